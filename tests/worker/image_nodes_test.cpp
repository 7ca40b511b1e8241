#include <atomic>
#include <fstream>

#include <doctest/doctest.h>

#include "native_node_runner.hpp"
#include "worker/attempt_environment.hpp"
#include "worker/core_nodes.hpp"
#include "worker/node_call.hpp"
#include "worker_test_support.hpp"

namespace drover::worker {
namespace {

/// Runs one registered class on the given inputs.
struct node_runner {
  node_registry registry;
  testing::recording_sink events;
  testing::memory_files files;
  std::atomic<bool> interrupt{false};
  attempt_environment env{{"p", 0, 0}, json::object(), nullptr, files, events, interrupt};

  node_runner() { REQUIRE(register_core_nodes(registry)); }

  node_outcome run(const std::string& class_type, node_call::input_list inputs) {
    const auto* definition = registry.find(class_type);
    REQUIRE(definition != nullptr);
    node_call call{*definition, "7", std::move(inputs), env};
    return definition->run(call);
  }
};

tensor_ptr image_of(std::vector<std::int64_t> shape, std::vector<float> values) {
  auto t = tensor::allocate(std::move(shape));
  REQUIRE(t);
  REQUIRE(t.value()->size() == values.size());
  std::copy(values.begin(), values.end(), t.value()->data());
  return t.value();
}

std::vector<float> values_of(const node_outcome& out) {
  REQUIRE(out.has_value());
  const auto& t = std::get<tensor_ptr>(out.value().outputs.at(0));
  return {t->data(), t->data() + t->size()};
}

void check_close(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-6));
  }
}

node_outcome scale(node_runner& r, const std::string& method, tensor_ptr image,
                   std::int64_t w, std::int64_t h, const std::string& crop = "disabled") {
  return r.run("ImageScale", {{"image", image},
                              {"upscale_method", json(method)},
                              {"width", json(w)},
                              {"height", json(h)},
                              {"crop", json(crop)}});
}

/// A 2x2 one-channel image: rows [0, 0.4] and [0.8, 1].
tensor_ptr two_by_two() {
  return image_of({1, 2, 2, 1}, {0.0f, 0.4f, 0.8f, 1.0f});
}

TEST_CASE("EmptyImage unpacks its colour into red, green and blue over 255") {
  node_runner r;
  auto out = r.run("EmptyImage", {{"width", json(3)},
                                  {"height", json(2)},
                                  {"batch_size", json(2)},
                                  {"color", json(0x123456)}});
  REQUIRE(out.has_value());
  const auto& t = std::get<tensor_ptr>(out.value().outputs.at(0));
  CHECK(t->shape() == std::vector<std::int64_t>{2, 2, 3, 3});
  for (std::size_t i = 0; i < t->size(); i += 3) {
    CHECK(t->data()[i] == static_cast<float>(0x12 / 255.0));
    CHECK(t->data()[i + 1] == static_cast<float>(0x34 / 255.0));
    CHECK(t->data()[i + 2] == static_cast<float>(0x56 / 255.0));
  }
}

TEST_CASE("ImageInvert subtracts every value from one") {
  node_runner r;
  auto out = r.run("ImageInvert", {{"image", two_by_two()}});
  check_close(values_of(out), {1.0f, 0.6f, 0.2f, 0.0f});
}

TEST_CASE("ImageScale nearest-exact doubles 2x2 into 4x4 blocks") {
  node_runner r;
  check_close(values_of(scale(r, "nearest-exact", two_by_two(), 4, 4)),
              {0, 0, .4f, .4f, 0, 0, .4f, .4f, .8f, .8f, 1, 1, .8f, .8f, 1, 1});
}

TEST_CASE("ImageScale bilinear matches torch's align_corners=False interpolation") {
  // Per axis, 2 → 4 samples at source -0.25 (clamped to 0), 0.25, 0.75, 1.25
  // (clamped to the last): [p, .75p + .25q, .25p + .75q, q].
  node_runner r;
  check_close(values_of(scale(r, "bilinear", two_by_two(), 4, 4)),
              {0.0f, 0.1f, 0.3f, 0.4f,         //
               0.2f, 0.2875f, 0.4625f, 0.55f,  //
               0.6f, 0.6625f, 0.7875f, 0.85f,  //
               0.8f, 0.85f, 0.95f, 1.0f});
}

TEST_CASE("ImageScale area averages the source windows") {
  node_runner r;
  auto wide = image_of({1, 1, 4, 1}, {0.0f, 0.2f, 0.4f, 1.0f});
  check_close(values_of(scale(r, "area", wide, 2, 1)), {0.1f, 0.7f});
}

TEST_CASE("ImageScale with one side zero keeps the aspect ratio") {
  node_runner r;
  auto out = scale(r, "nearest-exact",
                   image_of({1, 2, 4, 1}, std::vector<float>(8, 0.5f)), 8, 0);
  REQUIRE(out.has_value());
  CHECK(std::get<tensor_ptr>(out.value().outputs[0])->shape() ==
        std::vector<std::int64_t>{1, 4, 8, 1});
}

TEST_CASE("ImageScale center crop cuts the wider side before scaling") {
  node_runner r;
  // 1x4 row scaled to 1x2 with crop: aspect 4 → 2, so one column goes each side.
  auto row = image_of({1, 1, 4, 1}, {0.0f, 0.2f, 0.4f, 1.0f});
  check_close(values_of(scale(r, "nearest-exact", row, 2, 1, "center")), {0.2f, 0.4f});
}

TEST_CASE("ImageScale refuses unknown methods with a ValueError") {
  node_runner r;
  // bislerp is no longer refused here: comfy.utils.common_upscale, which
  // ImageScale calls, runs it too, and validation keeps it off ImageScale's combo.
  for (auto method : {"sideways", "bilinear-exact"}) {
    auto out = scale(r, method, two_by_two(), 4, 4);
    REQUIRE(!out.has_value());
    CHECK(out.error().exception_type == "ValueError");
  }
}

TEST_CASE("object_info of every native class equals ComfyUI's entry") {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} +
                   "/comfyui-v0.8.0/object_info_subset.json"};
  auto reference = json::parse(in);
  node_registry registry;
  REQUIRE(register_core_nodes(registry));
  auto ours = registry.object_info();
  CHECK(ours.size() >= 5);
  for (const auto& [name, entry] : ours.items()) {
    CAPTURE(name);
    REQUIRE(reference.contains(name));
    CHECK(testing::without_prose(entry) == testing::without_prose(reference[name]));
  }
  // Every core class of the reference is native.
  for (const auto& [name, entry] : reference.items()) {
    CAPTURE(name);
    CHECK(ours.contains(name));
  }
}

}  // namespace
}  // namespace drover::worker
