#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include <doctest/doctest.h>

#include "native_node_runner.hpp"
#include "worker/image_resize.hpp"
#include "worker/safetensors.hpp"

namespace drover::worker {
namespace {

using testing::check_close;
using testing::native_node_runner;
using testing::tensor_of;
using testing::values_of;

latent_ptr latent_output(const node_outcome& out) {
  REQUIRE(out.has_value());
  const auto* l = std::get_if<latent_ptr>(&out.value().outputs.at(0));
  REQUIRE(l != nullptr);
  return *l;
}

/// A latent of `batch` samples [4, 1, 1] whose sample i holds i in every channel.
latent_ptr counting_latent(int batch) {
  std::vector<float> v;
  for (int i = 0; i < batch; ++i) {
    v.insert(v.end(), 4, static_cast<float>(i));
  }
  return std::make_shared<latent>(latent{tensor_of({batch, 4, 1, 1}, v), {}, nullptr});
}

TEST_CASE("object_info of the latent classes equals ComfyUI's entries") {
  testing::check_object_info({"EmptyLatentImage", "LatentFromBatch", "RepeatLatentBatch",
                              "LatentUpscale", "LatentUpscaleBy", "SaveLatent",
                              "LoadLatent"});
}

TEST_CASE("EmptyLatentImage makes zero samples of [batch, 4, height/8, width/8]") {
  native_node_runner r;
  auto l = latent_output(
      r.run("EmptyLatentImage",
            {{"width", json(64)}, {"height", json(40)}, {"batch_size", json(2)}}));
  CHECK(l->samples->shape() == std::vector<std::int64_t>{2, 4, 5, 8});
  check_close(values_of(l->samples), std::vector<float>(2 * 4 * 5 * 8, 0.0f));
  CHECK(l->batch_index.empty());
}

TEST_CASE("LatentFromBatch slices the batch and records the batch indices") {
  native_node_runner r;
  auto l = latent_output(r.run(
      "LatentFromBatch",
      {{"samples", counting_latent(4)}, {"batch_index", json(1)}, {"length", json(5)}}));
  CHECK(l->samples->shape() == std::vector<std::int64_t>{3, 4, 1, 1});
  check_close(values_of(l->samples), {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3});
  CHECK(l->batch_index == std::vector<std::int64_t>{1, 2, 3});
}

TEST_CASE("RepeatLatentBatch repeats samples and offsets existing batch indices") {
  native_node_runner r;
  auto in = std::make_shared<latent>(*counting_latent(2));
  in->batch_index = {4, 5};
  auto l = latent_output(
      r.run("RepeatLatentBatch", {{"samples", latent_ptr{in}}, {"amount", json(2)}}));
  CHECK(l->samples->shape() == std::vector<std::int64_t>{4, 4, 1, 1});
  CHECK(l->samples->data()[8] == 0.0f);
  CHECK(l->samples->data()[12] == 1.0f);
  CHECK(l->batch_index == std::vector<std::int64_t>{4, 5, 6, 7});
}

TEST_CASE("LatentUpscale scales samples to width/8 x height/8, at least 64 pixels") {
  native_node_runner r;
  auto in = std::make_shared<latent>(
      latent{tensor_of({1, 4, 1, 2}, {0, 1, 0, 1, 0, 1, 0, 1}), {}, nullptr});
  auto l =
      latent_output(r.run("LatentUpscale", {{"samples", latent_ptr{in}},
                                            {"upscale_method", json("nearest-exact")},
                                            {"width", json(32)},
                                            {"height", json(0)},
                                            {"crop", json("disabled")}}));
  // width → max(64, 32) = 64 → 8 columns; height keeps the aspect, 32, but is
  // raised to the 64 minimum too → 8 rows.
  REQUIRE(l->samples->shape() == std::vector<std::int64_t>{1, 4, 8, 8});
  for (int row = 0; row < 4 * 8; ++row) {
    CAPTURE(row);
    const float* line = l->samples->data() + row * 8;
    check_close({line, line + 8}, {0, 0, 0, 0, 1, 1, 1, 1});
  }
}

TEST_CASE("LatentUpscaleBy rounds the scaled size and interpolates per channel") {
  native_node_runner r;
  auto in = std::make_shared<latent>(
      latent{tensor_of({1, 4, 1, 2}, {0, .4f, 1, 1, 0, 0, .8f, 1}), {}, nullptr});
  auto l = latent_output(r.run("LatentUpscaleBy", {{"samples", latent_ptr{in}},
                                                   {"upscale_method", json("bilinear")},
                                                   {"scale_by", json(2.0)}}));
  REQUIRE(l->samples->shape() == std::vector<std::int64_t>{1, 4, 2, 4});
  // Per row, 2 → 4 bilinear: [p, .75p + .25q, .25p + .75q, q].
  check_close({l->samples->data(), l->samples->data() + 4}, {0, .1f, .3f, .4f});
  check_close({l->samples->data() + 24, l->samples->data() + 28}, {.8f, .85f, .95f, 1});
}

/// comfy.utils.bislerp runs, recorded from ComfyUI's own function under torch
/// 1.13 by tests/data/torch-1.13/record_bislerp.py.
json bislerp_cases() {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/torch-1.13/bislerp.json"};
  REQUIRE(in.good());
  return json::parse(in)["cases"];
}

/// `got` equals `want` to float32 rounding: drover's sums, sin and acos may
/// round differently from torch's vectorised kernels.
void check_near(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(got[i] - want[i]) <= 2e-6f * std::max(1.0f, std::abs(want[i])));
  }
}

TEST_CASE("LatentUpscale's bislerp equals comfy.utils.bislerp on recorded latents") {
  native_node_runner r;
  const auto cases = bislerp_cases();
  REQUIRE(cases.size() == 4);
  for (const auto& c : cases) {
    const auto shape = c["shape"].get<std::vector<std::int64_t>>();
    const auto width = c["width"].get<std::int64_t>();
    const auto height = c["height"].get<std::int64_t>();
    CAPTURE(width);
    CAPTURE(height);
    auto in = std::make_shared<latent>(
        latent{tensor_of(shape, c["samples"].get<std::vector<float>>()), {}, nullptr});

    // LatentUpscale's 64-pixel floor keeps the tiny sizes out of its reach, so
    // the cases that scale both axes by one factor go through LatentUpscaleBy.
    const auto h = static_cast<double>(shape[2]), w = static_cast<double>(shape[3]);
    if (width / w != height / h) {
      continue;
    }
    auto l = latent_output(r.run("LatentUpscaleBy", {{"samples", latent_ptr{in}},
                                                     {"upscale_method", json("bislerp")},
                                                     {"scale_by", json(width / w)}}));
    CHECK(l->samples->shape() == c["out_shape"].get<std::vector<std::int64_t>>());
    check_near(values_of(l->samples), c["out"].get<std::vector<float>>());
  }
}

TEST_CASE("bislerp through resize_image matches every recorded size") {
  // resize_image works on [B, H, W, C]; the recording is [B, C, H, W].
  for (const auto& c : bislerp_cases()) {
    const auto shape = c["shape"].get<std::vector<std::int64_t>>();
    const auto b = shape[0], ch = shape[1], h = shape[2], w = shape[3];
    const auto width = c["width"].get<std::int64_t>();
    const auto height = c["height"].get<std::int64_t>();
    CAPTURE(width);
    CAPTURE(height);
    const auto planar = c["samples"].get<std::vector<float>>();
    std::vector<float> packed(planar.size());
    for (std::int64_t n = 0; n < b; ++n) {
      for (std::int64_t k = 0; k < ch; ++k) {
        for (std::int64_t p = 0; p < h * w; ++p) {
          packed[(n * h * w + p) * ch + k] = planar[(n * ch + k) * h * w + p];
        }
      }
    }
    auto out = resize_image(*tensor_of({b, h, w, ch}, packed), width, height, "bislerp",
                            "disabled");
    REQUIRE(out.has_value());
    const auto want = c["out"].get<std::vector<float>>();
    std::vector<float> got(want.size());
    for (std::int64_t n = 0; n < b; ++n) {
      for (std::int64_t k = 0; k < ch; ++k) {
        for (std::int64_t p = 0; p < height * width; ++p) {
          got[(n * ch + k) * height * width + p] =
              out.value()->data()[(n * height * width + p) * ch + k];
        }
      }
    }
    check_near(got, want);
  }
}

TEST_CASE("SaveLatent writes a .latent safetensors file that LoadLatent reads back") {
  native_node_runner r{json{{"1", {{"class_type", "EmptyLatentImage"}}}}};
  std::vector<float> v(2 * 4 * 2 * 3);
  for (std::size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<float>(i) / 7.0f - 1.0f;
  }
  auto in = std::make_shared<latent>(latent{tensor_of({2, 4, 2, 3}, v), {}, nullptr});
  auto saved = r.run("SaveLatent", {{"samples", latent_ptr{in}},
                                    {"filename_prefix", json("latents/ComfyUI")}});
  REQUIRE(saved.has_value());
  CHECK(saved.value().ui ==
        json{{"latents", json::array({{{"filename", "ComfyUI_00001_.latent"},
                                       {"subfolder", "latents"},
                                       {"type", "output"}}})}});
  const auto& bytes = r.files.files.at("output/latents/ComfyUI_00001_.latent");

  // The file: header length, a JSON header padded to 8 bytes, the float data.
  std::uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  CHECK(length % 8 == 0);
  auto header = nlohmann::json::parse(bytes.substr(8, length));
  CHECK(header["__metadata__"]["prompt"] ==
        "{\"1\": {\"class_type\": \"EmptyLatentImage\"}}");
  CHECK(header["latent_tensor"]["dtype"] == "F32");
  CHECK(header["latent_tensor"]["shape"] == nlohmann::json::array({2, 4, 2, 3}));
  CHECK(header["latent_format_version_0"]["shape"] == nlohmann::json::array({0}));
  CHECK(bytes.size() == 8 + length + v.size() * 4);

  // LoadLatent reads from the input folder: put the file there as an upload.
  REQUIRE(r.files.put({"input", "", "mine.latent"}, bytes));
  auto loaded = latent_output(r.run("LoadLatent", {{"latent", json("mine.latent")}}));
  CHECK(loaded->samples->shape() == in->samples->shape());
  CHECK(values_of(loaded->samples) == v);

  auto annotated = latent_output(
      r.run("LoadLatent", {{"latent", json("latents/ComfyUI_00001_.latent [output]")}}));
  CHECK(values_of(annotated->samples) == v);
}

TEST_CASE("LoadLatent scales files older than latent_format_version_0") {
  native_node_runner r;
  const float value = 0.18215f;
  auto bytes = encode_safetensors({{"latent_tensor", {1, 1, 1, 1}, &value}}, {});
  REQUIRE(r.files.put({"input", "", "old.latent"}, bytes));
  auto loaded = latent_output(r.run("LoadLatent", {{"latent", json("old.latent")}}));
  CHECK(loaded->samples->data()[0] == doctest::Approx(1.0f));
}

TEST_CASE("LoadLatent refuses a missing file and hostile bytes without crashing") {
  native_node_runner r;
  auto missing = r.run("LoadLatent", {{"latent", json("none.latent")}});
  REQUIRE(!missing.has_value());
  CHECK(missing.error().exception_type == "FileNotFoundError");

  const std::vector<std::string> hostile{
      "", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8),
      std::string("\x04\0\0\0\0\0\0\0{}  ", 12),
      std::string("\x40\0\0\0\0\0\0\0", 8) +
          R"({"latent_tensor":{"dtype":"F32","shape":[1,1,1,9],"data_offsets":[0,4]}})",
      std::string("\x4a\0\0\0\0\0\0\0", 8) +
          R"({"latent_tensor":{"dtype":"F32","shape":[1,1,1,1],)"
          R"("data_offsets":[0,99999]}})"};
  for (std::size_t i = 0; i < hostile.size(); ++i) {
    CAPTURE(i);
    REQUIRE(r.files.put({"input", "", "bad.latent"}, hostile[i]));
    CHECK(!r.run("LoadLatent", {{"latent", json("bad.latent")}}).has_value());
  }
}

}  // namespace
}  // namespace drover::worker
