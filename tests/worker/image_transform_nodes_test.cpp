// The geometric image classes on small known images: crop boundaries, flips
// and rotations of a 2x3 image, stitching, padding, outpaint feathering and
// masked compositing; plus object_info of every image-processing class.

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "native_node_runner.hpp"

namespace drover::worker {
namespace {

using testing::check_close;
using testing::native_node_runner;
using testing::tensor_of;
using testing::tensor_output;
using testing::values_of;

/// [[0, 1, 2], [3, 4, 5]] as a one-channel 2x3 image.
tensor_ptr two_by_three() {
  return tensor_of({1, 2, 3, 1}, {0, 1, 2, 3, 4, 5});
}

tensor_ptr constant(float v, std::vector<std::int64_t> shape) {
  std::size_t n = 1;
  for (auto d : shape) {
    n *= static_cast<std::size_t>(d);
  }
  return tensor_of(shape, std::vector<float>(n, v));
}

TEST_CASE("object_info of every image-processing class equals ComfyUI's entry") {
  testing::check_object_info({"ImageScale", "ImageScaleBy", "ImageScaleToTotalPixels",
                              "ImageBlur", "ImageSharpen", "ImageBlend", "ImageAddNoise",
                              "ImageCrop", "ImageFlip", "ImageRotate", "ImageStitch",
                              "ImagePadForOutpaint", "ResizeAndPadImage",
                              "ImageCompositeMasked"});
}

tensor_ptr crop(native_node_runner& r, tensor_ptr image, int w, int h, int x, int y) {
  return tensor_output(r.run("ImageCrop", {{"image", image},
                                           {"width", json(w)},
                                           {"height", json(h)},
                                           {"x", json(x)},
                                           {"y", json(y)}}));
}

TEST_CASE("ImageCrop slices at its offset and stops at the image's edges") {
  native_node_runner r;
  auto inner = crop(r, two_by_three(), 2, 1, 1, 1);
  CHECK(inner->shape() == std::vector<std::int64_t>{1, 1, 2, 1});
  check_close(values_of(inner), {4, 5});
  auto wide = crop(r, two_by_three(), 512, 512, 0, 0);
  check_close(values_of(wide), {0, 1, 2, 3, 4, 5});
  // Offsets past the edge are pulled back to the last row and column.
  auto past = crop(r, two_by_three(), 4, 4, 10, 10);
  CHECK(past->shape() == std::vector<std::int64_t>{1, 1, 1, 1});
  check_close(values_of(past), {5});
}

std::vector<float> run_one(native_node_runner& r, const std::string& cls,
                           const std::string& widget, const std::string& choice,
                           std::vector<std::int64_t> want_shape) {
  auto out =
      tensor_output(r.run(cls, {{"image", two_by_three()}, {widget, json(choice)}}));
  CHECK(out->shape() == want_shape);
  return values_of(out);
}

TEST_CASE("ImageFlip mirrors rows for the x-axis and columns for the y-axis") {
  native_node_runner r;
  check_close(run_one(r, "ImageFlip", "flip_method", "x-axis: vertically", {1, 2, 3, 1}),
              {3, 4, 5, 0, 1, 2});
  check_close(
      run_one(r, "ImageFlip", "flip_method", "y-axis: horizontally", {1, 2, 3, 1}),
      {2, 1, 0, 5, 4, 3});
}

TEST_CASE("ImageRotate turns clockwise by quarter turns as torch.rot90 dims [2, 1]") {
  native_node_runner r;
  check_close(run_one(r, "ImageRotate", "rotation", "none", {1, 2, 3, 1}),
              {0, 1, 2, 3, 4, 5});
  check_close(run_one(r, "ImageRotate", "rotation", "90 degrees", {1, 3, 2, 1}),
              {3, 0, 4, 1, 5, 2});
  check_close(run_one(r, "ImageRotate", "rotation", "180 degrees", {1, 2, 3, 1}),
              {5, 4, 3, 2, 1, 0});
  check_close(run_one(r, "ImageRotate", "rotation", "270 degrees", {1, 3, 2, 1}),
              {2, 5, 1, 4, 0, 3});
}

node_outcome stitch(native_node_runner& r, tensor_ptr a, tensor_ptr b,
                    const std::string& direction, bool match, int spacing,
                    const std::string& color) {
  node_call::input_list in{{"image1", a},
                           {"direction", json(direction)},
                           {"match_image_size", json(match)},
                           {"spacing_width", json(spacing)},
                           {"spacing_color", json(color)}};
  if (b) {
    in.emplace_back("image2", b);
  }
  return r.run("ImageStitch", std::move(in));
}

TEST_CASE("ImageStitch without image2 returns image1 itself") {
  native_node_runner r;
  auto a = constant(0.2f, {1, 2, 1, 3});
  CHECK(tensor_output(stitch(r, a, nullptr, "right", true, 0, "white")) == a);
}

TEST_CASE("ImageStitch pads the shorter image centred in the spacing colour") {
  native_node_runner r;
  auto out =
      tensor_output(stitch(r, constant(0.2f, {1, 2, 1, 3}), constant(0.8f, {1, 1, 1, 3}),
                           "right", false, 0, "white"));
  CHECK(out->shape() == std::vector<std::int64_t>{1, 2, 2, 3});
  // Row 0: image1 then image2; row 1: image1 then white padding (pad 1 goes below).
  check_close(values_of(out), {.2f, .2f, .2f, .8f, .8f, .8f, .2f, .2f, .2f, 1, 1, 1});
}

TEST_CASE("ImageStitch puts image2 first for left and a coloured strip between") {
  native_node_runner r;
  auto out = tensor_output(stitch(r, constant(0.2f, {1, 1, 1, 3}),
                                  constant(0.8f, {1, 1, 1, 3}), "left", false, 1, "red"));
  // An odd spacing grows to 2; red is (1, 0, 0).
  CHECK(out->shape() == std::vector<std::int64_t>{1, 1, 4, 3});
  check_close(values_of(out), {.8f, .8f, .8f, 1, 0, 0, 1, 0, 0, .2f, .2f, .2f});
}

TEST_CASE("ImageStitch matches image2 to image1's height through 8-bit lanczos") {
  native_node_runner r;
  auto out =
      tensor_output(stitch(r, constant(0.2f, {2, 2, 1, 3}), constant(0.8f, {1, 1, 1, 4}),
                           "down", true, 0, "white"));
  // down: image2 takes image1's width (1) and its own aspect (1): 1x1, below.
  // The missing alpha of image1 becomes 1; image2's batch of 1 repeats.
  CHECK(out->shape() == std::vector<std::int64_t>{2, 3, 1, 4});
  const float q = 204 / 255.0f;
  std::vector<float> one = {.2f, .2f, .2f, 1, .2f, .2f, .2f, 1, q, q, q, q};
  std::vector<float> want = one;
  want.insert(want.end(), one.begin(), one.end());
  check_close(values_of(out), want);
}

TEST_CASE("ResizeAndPadImage fits the image and centres it on the padding colour") {
  native_node_runner r;
  auto out = tensor_output(
      r.run("ResizeAndPadImage", {{"image", constant(0.4f, {1, 2, 4, 1})},
                                  {"target_width", json(4)},
                                  {"target_height", json(4)},
                                  {"padding_color", json("black")},
                                  {"interpolation", json("nearest-exact")}}));
  CHECK(out->shape() == std::vector<std::int64_t>{1, 4, 4, 1});
  std::vector<float> want(16, 0.0f);
  std::fill(want.begin() + 4, want.begin() + 12, 0.4f);
  check_close(values_of(out), want);
}

node_outcome outpaint(native_node_runner& r, tensor_ptr image, int left, int feathering) {
  return r.run("ImagePadForOutpaint", {{"image", image},
                                       {"left", json(left)},
                                       {"top", json(0)},
                                       {"right", json(0)},
                                       {"bottom", json(0)},
                                       {"feathering", json(feathering)}});
}

TEST_CASE("ImagePadForOutpaint fills with grey and feathers the mask quadratically") {
  native_node_runner r;
  auto out = outpaint(r, constant(0.3f, {1, 5, 5, 1}), 2, 2);
  auto image = tensor_output(out, 0), mask = tensor_output(out, 1);
  CHECK(image->shape() == std::vector<std::int64_t>{1, 5, 7, 1});
  CHECK(mask->shape() == std::vector<std::int64_t>{1, 5, 7});
  // Per row: 2 padded columns (mask 1), then distance 0 -> 1, 1 -> 0.25, then 0.
  std::vector<float> image_row = {.5f, .5f, .3f, .3f, .3f, .3f, .3f};
  std::vector<float> mask_row = {1, 1, 1, 0.25f, 0, 0, 0};
  std::vector<float> want_image, want_mask;
  for (int i = 0; i < 5; ++i) {
    want_image.insert(want_image.end(), image_row.begin(), image_row.end());
    want_mask.insert(want_mask.end(), mask_row.begin(), mask_row.end());
  }
  check_close(values_of(image), want_image);
  check_close(values_of(mask), want_mask);
}

TEST_CASE("ImagePadForOutpaint skips feathering of half the image or more") {
  native_node_runner r;
  std::vector<float> want;
  for (int i = 0; i < 4; ++i) {
    want.insert(want.end(), {1, 1, 0, 0, 0, 0});
  }
  for (int feathering : {2, 3}) {
    CAPTURE(feathering);
    auto mask =
        tensor_output(outpaint(r, constant(0.3f, {2, 4, 4, 1}), 2, feathering), 1);
    // One mask for the whole batch.
    CHECK(mask->shape() == std::vector<std::int64_t>{1, 4, 6});
    check_close(values_of(mask), want);
  }
}

TEST_CASE("ImagePadForOutpaint refuses margins beyond MAX_RESOLUTION") {
  native_node_runner r;
  auto out = outpaint(r, constant(0.3f, {1, 4, 4, 1}), 16385, 0);
  REQUIRE(!out.has_value());
  CHECK(out.error().exception_type == "ValueError");
}

node_outcome composite(native_node_runner& r, tensor_ptr dst, tensor_ptr src, int x,
                       int y, bool resize, tensor_ptr mask = nullptr) {
  node_call::input_list in{{"destination", dst},
                           {"source", src},
                           {"x", json(x)},
                           {"y", json(y)},
                           {"resize_source", json(resize)}};
  if (mask) {
    in.emplace_back("mask", mask);
  }
  return r.run("ImageCompositeMasked", std::move(in));
}

TEST_CASE("ImageCompositeMasked pastes the visible part of the source at x, y") {
  native_node_runner r;
  auto out =
      composite(r, constant(0, {1, 3, 3, 1}), constant(1, {1, 2, 2, 1}), 2, 1, false);
  check_close(values_of(tensor_output(out)), {0, 0, 0, 0, 0, 1, 0, 0, 1});
}

TEST_CASE("ImageCompositeMasked mixes by a mask resized to the source") {
  native_node_runner r;
  auto out = composite(r, constant(0.2f, {2, 2, 2, 3}), constant(1, {1, 1, 1, 4}), 0, 0,
                       true, constant(0.25f, {1, 4, 4}));
  // The source covers the destination; its alpha is cut to three channels.
  auto t = tensor_output(out);
  CHECK(t->shape() == std::vector<std::int64_t>{2, 2, 2, 3});
  check_close(values_of(t), std::vector<float>(24, 0.25f + 0.75f * 0.2f));
}

TEST_CASE("ImageCompositeMasked refuses an RGBA destination with an RGB source") {
  native_node_runner r;
  auto out =
      composite(r, constant(0, {1, 2, 2, 4}), constant(1, {1, 2, 2, 3}), 0, 0, false);
  REQUIRE(!out.has_value());
  CHECK(out.error().exception_type == "RuntimeError");
}

}  // namespace
}  // namespace drover::worker
