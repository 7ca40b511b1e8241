#include <doctest/doctest.h>

#include "native_node_runner.hpp"

namespace drover::worker {
namespace {

using testing::check_close;
using testing::native_node_runner;
using testing::tensor_of;
using testing::tensor_output;
using testing::values_of;

/// A [batch, 1, 1, 1] image whose images hold 0, 1, 2, ...
tensor_ptr counting_batch(int batch) {
  std::vector<float> v(batch);
  for (int i = 0; i < batch; ++i) {
    v[i] = static_cast<float>(i);
  }
  return tensor_of({batch, 1, 1, 1}, v);
}

TEST_CASE("object_info of the batch classes and GetImageSize equals ComfyUI's entries") {
  testing::check_object_info(
      {"ImageBatch", "ImageFromBatch", "RepeatImageBatch", "GetImageSize"});
}

TEST_CASE("GetImageSize outputs width, height and batch size and sends ComfyUI's text") {
  // The text of g_binary_text.jsonl's binary TEXT frame, for a 2x48x96 image.
  std::string recorded;
  for (const auto& line : testing::load_trace("g_binary_text.jsonl")) {
    if (line.value("kind", "") == "binary" && line.value("event_type", 0) == 3) {
      recorded = line["text"].get<std::string>();
      break;
    }
  }
  REQUIRE(!recorded.empty());

  native_node_runner r;
  auto image = tensor_of({2, 48, 96, 3}, std::vector<float>(2 * 48 * 96 * 3, 0.0f));
  auto out = r.run("GetImageSize", {{"image", image}});
  REQUIRE(out.has_value());
  const auto& o = out.value().outputs;
  REQUIRE(o.size() == 3);
  CHECK(std::get<json>(o[0]) == 96);
  CHECK(std::get<json>(o[1]) == 48);
  CHECK(std::get<json>(o[2]) == 2);

  REQUIRE(r.events.events.size() == 1);
  const auto* text = std::get_if<actors::node_text>(&r.events.events[0].body);
  REQUIRE(text != nullptr);
  CHECK(text->node_id == "7");
  CHECK(text->text == recorded);
}

TEST_CASE("ImageFromBatch clamps the index and the length to the batch") {
  native_node_runner r;
  auto take = [&](int index, int length) {
    return values_of(tensor_output(r.run("ImageFromBatch", {{"image", counting_batch(4)},
                                                            {"batch_index", json(index)},
                                                            {"length", json(length)}})));
  };
  check_close(take(1, 2), {1, 2});
  check_close(take(3, 5), {3});
  check_close(take(9, 1), {3});
}

TEST_CASE("RepeatImageBatch repeats the whole batch amount times") {
  native_node_runner r;
  auto out = tensor_output(
      r.run("RepeatImageBatch", {{"image", counting_batch(2)}, {"amount", json(3)}}));
  check_close(values_of(out), {0, 1, 0, 1, 0, 1});
}

TEST_CASE("ImageBatch appends the second batch to the first") {
  native_node_runner r;
  auto out = tensor_output(r.run(
      "ImageBatch", {{"image1", counting_batch(2)}, {"image2", counting_batch(1)}}));
  CHECK(out->shape() == std::vector<std::int64_t>{3, 1, 1, 1});
  check_close(values_of(out), {0, 1, 0});
}

TEST_CASE("ImageBatch rescales a second image of another size and pads a missing alpha") {
  native_node_runner r;
  auto first = tensor_of({1, 2, 2, 4}, std::vector<float>(16, 0.0f));
  auto second = tensor_of({1, 1, 1, 3}, {0.5f, 0.25f, 0.75f});
  auto out = tensor_output(r.run("ImageBatch", {{"image1", first}, {"image2", second}}));
  CHECK(out->shape() == std::vector<std::int64_t>{2, 2, 2, 4});
  // A 1x1 RGB pixel padded with alpha 1 and upscaled to 2x2 stays that colour.
  auto v = values_of(out);
  for (int p = 0; p < 4; ++p) {
    CAPTURE(p);
    check_close({v.begin() + 16 + p * 4, v.begin() + 20 + p * 4}, {.5f, .25f, .75f, 1});
  }
}

}  // namespace
}  // namespace drover::worker
