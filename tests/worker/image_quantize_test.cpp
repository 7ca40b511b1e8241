// ImageQuantize against Pillow 12.1.1 running ComfyUI v0.8.0's node code, as
// recorded by tests/data/quantize/generate.py (see the README there): every
// output value must be the recorded byte / 255, exactly.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "native_node_runner.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {
namespace {

using testing::native_node_runner;
using testing::tensor_of;
using testing::tensor_output;

const std::vector<int> recorded_colors{2, 3, 5, 16, 256};
const std::vector<std::string> dithers{"none",    "floyd-steinberg", "bayer-2",
                                       "bayer-4", "bayer-8",         "bayer-16"};
constexpr std::int64_t small_height = 12, small_width = 16;

std::string read_data(const std::string& name) {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/quantize/" + name,
                   std::ios::binary};
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A recorded float32 [12, 16, 3] input as a batch of one.
tensor_ptr small_input(const std::string& name) {
  const auto raw = read_data(name + ".f32");
  std::vector<float> values(raw.size() / sizeof(float));
  REQUIRE(values.size() == small_height * small_width * 3);
  std::memcpy(values.data(), raw.data(), raw.size());
  return tensor_of({1, small_height, small_width, 3}, values);
}

/// The recorded bytes of one (colors, dither) case of an input.
std::string small_expected(const std::string& name, int colors,
                           const std::string& dither) {
  const auto all = read_data(name + ".expected");
  const std::size_t one = small_height * small_width * 3;
  REQUIRE(all.size() == one * recorded_colors.size() * dithers.size());
  std::size_t at = 0;
  while (recorded_colors[at / dithers.size()] != colors ||
         dithers[at % dithers.size()] != dither) {
    ++at;
  }
  return all.substr(at * one, one);
}

node_outcome quantize(native_node_runner& r, tensor_ptr image, int colors,
                      const std::string& dither) {
  return r.run("ImageQuantize",
               {{"image", image}, {"colors", json(colors)}, {"dither", json(dither)}});
}

/// How many values of `out`, from `offset` on, differ from byte / 255.
std::size_t mismatches(const tensor& out, std::size_t offset, const std::string& bytes) {
  REQUIRE(out.size() >= offset + bytes.size());
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const float want = static_cast<float>(static_cast<std::uint8_t>(bytes[i])) / 255.0f;
    wrong += out.data()[offset + i] != want ? 1 : 0;
  }
  return wrong;
}

/// The generator's noise: bytes from a 32-bit LCG (seed 1), as byte / 255.
tensor_ptr noise_image(std::int64_t height, std::int64_t width) {
  std::vector<float> values(static_cast<std::size_t>(height * width * 3));
  std::uint32_t state = 1;
  for (auto& v : values) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<float>(state >> 24) / 255.0f;
  }
  return tensor_of({1, height, width, 3}, values);
}

TEST_CASE(
    "ImageQuantize equals Pillow on small images for each colour count and dither") {
  native_node_runner r;
  for (std::string name : {"gradient", "two_colors", "few_colors", "tied_boxes"}) {
    const auto image = small_input(name);
    for (int colors : recorded_colors) {
      for (const auto& dither : dithers) {
        CAPTURE(name);
        CAPTURE(colors);
        CAPTURE(dither);
        auto out = tensor_output(quantize(r, image, colors, dither));
        REQUIRE(out->shape() == image->shape());
        CHECK(mismatches(*out, 0, small_expected(name, colors, dither)) == 0);
      }
    }
  }
}

TEST_CASE(
    "ImageQuantize equals Pillow on noise with more colours than its histogram holds") {
  // 66560 pixels of noise have more than 65536 distinct colours, so Pillow
  // drops low bits before the median cut.
  native_node_runner r;
  const auto image = noise_image(260, 256);
  const std::pair<int, const char*> cases[] = {
      {16, "none"}, {16, "floyd-steinberg"}, {16, "bayer-4"}, {256, "floyd-steinberg"}};
  for (const auto& c : cases) {
    const int colors = c.first;
    const std::string dither = c.second;
    CAPTURE(colors);
    CAPTURE(dither);
    auto png =
        decode_png(read_data("noise_" + std::to_string(colors) + "_" + dither + ".png"));
    REQUIRE(png.has_value());
    REQUIRE(png.value().image.channels == 3);
    const auto& bytes = png.value().image.data;
    auto out = tensor_output(quantize(r, image, colors, dither));
    CHECK(mismatches(*out, 0, std::string{bytes.begin(), bytes.end()}) == 0);
  }
}

TEST_CASE("each image of an ImageQuantize batch gets its own palette") {
  native_node_runner r;
  const std::string names[] = {"gradient", "two_colors", "few_colors"};
  std::vector<float> values;
  for (const auto& name : names) {
    const auto one = small_input(name);
    values.insert(values.end(), one->data(), one->data() + one->size());
  }
  auto batch = tensor_of({3, small_height, small_width, 3}, values);
  auto out = tensor_output(quantize(r, batch, 5, "floyd-steinberg"));
  for (std::size_t b = 0; b < 3; ++b) {
    CAPTURE(names[b]);
    const auto expected = small_expected(names[b], 5, "floyd-steinberg");
    CHECK(mismatches(*out, b * expected.size(), expected) == 0);
  }
}

TEST_CASE("ImageQuantize casts out-of-range values to bytes as torch does") {
  // Recorded with Debian's torch 1.13 on x86-64:
  // (torch.tensor([1.5, -0.2, nan, 300.0, 1e10]) * 255).to(torch.uint8)
  // gives [126, 205, 0, 212, 0].
  native_node_runner r;
  const std::pair<float, int> cases[] = {{1.5f, 126},
                                         {-0.2f, 205},
                                         {std::numeric_limits<float>::quiet_NaN(), 0},
                                         {300.0f, 212},
                                         {1e10f, 0}};
  for (const auto& c : cases) {
    const float value = c.first;
    const int byte = c.second;
    CAPTURE(value);
    auto out = tensor_output(
        quantize(r, tensor_of({1, 2, 2, 3}, std::vector<float>(12, value)), 4, "none"));
    for (std::size_t i = 0; i < out->size(); ++i) {
      CHECK(out->data()[i] == static_cast<float>(byte) / 255.0f);
    }
  }
}

TEST_CASE("ImageQuantize fails as ComfyUI does on images without three channels") {
  native_node_runner r;
  struct shape_case {
    std::vector<std::int64_t> shape;
    const char* type;
    const char* message;
  };
  const shape_case cases[] = {
      {{1, 2, 2, 1}, "TypeError", "Cannot handle this data type: (1, 1, 1), |u1"},
      {{1, 2, 2, 2}, "ValueError", "not enough image data"},
      {{1, 2, 2, 4},
       "RuntimeError",
       "The expanded size of the tensor (4) must match the existing size (3) at "
       "non-singleton dimension 2.  Target sizes: [2, 2, 4].  Tensor sizes: [2, 2, 3]"},
      {{2, 2, 3}, "ValueError", "not enough values to unpack (expected 4, got 3)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    std::size_t size = 1;
    for (auto d : c.shape) {
      size *= static_cast<std::size_t>(d);
    }
    auto out = quantize(r, tensor_of(c.shape, std::vector<float>(size, 0.5f)), 4, "none");
    REQUIRE(!out.has_value());
    CHECK(out.error().exception_type == c.type);
    CHECK(out.error().message == c.message);
  }
}

TEST_CASE("ImageQuantize refuses colour counts Pillow refuses") {
  native_node_runner r;
  for (int colors : {0, 257}) {
    auto out = quantize(r, small_input("gradient"), colors, "none");
    REQUIRE(!out.has_value());
    CHECK(out.error().exception_type == "ValueError");
  }
}

TEST_CASE("ImageQuantize's object_info equals ComfyUI's entry") {
  testing::check_object_info({"ImageQuantize"});
}

}  // namespace
}  // namespace drover::worker
