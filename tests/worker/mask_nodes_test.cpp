#include <doctest/doctest.h>

#include "native_node_runner.hpp"

namespace drover::worker {
namespace {

using testing::check_close;
using testing::native_node_runner;
using testing::tensor_of;
using testing::tensor_output;
using testing::values_of;

/// A 5x5 mask, zero but for a one in the centre.
tensor_ptr centre_dot() {
  std::vector<float> v(25, 0.0f);
  v[12] = 1.0f;
  return tensor_of({1, 5, 5}, v);
}

TEST_CASE("object_info of the mask classes equals ComfyUI's entries") {
  testing::check_object_info({"SolidMask", "InvertMask", "ImageToMask", "MaskToImage",
                              "ThresholdMask", "CropMask", "GrowMask", "FeatherMask",
                              "JoinImageWithAlpha", "SplitImageWithAlpha"});
}

TEST_CASE("SolidMask fills a single height x width mask with its value") {
  native_node_runner r;
  auto out = tensor_output(r.run(
      "SolidMask", {{"value", json(0.25)}, {"width", json(3)}, {"height", json(2)}}));
  CHECK(out->shape() == std::vector<std::int64_t>{1, 2, 3});
  check_close(values_of(out), std::vector<float>(6, 0.25f));
}

TEST_CASE("InvertMask subtracts every value from one") {
  native_node_runner r;
  auto out =
      tensor_output(r.run("InvertMask", {{"mask", tensor_of({1, 1, 3}, {0, .25f, 1})}}));
  check_close(values_of(out), {1, .75f, 0});
}

TEST_CASE("ImageToMask takes one channel and MaskToImage repeats it three times") {
  native_node_runner r;
  auto image = tensor_of({1, 1, 2, 4}, {.1f, .2f, .3f, .4f, .5f, .6f, .7f, .8f});
  auto green =
      tensor_output(r.run("ImageToMask", {{"image", image}, {"channel", json("green")}}));
  CHECK(green->shape() == std::vector<std::int64_t>{1, 1, 2});
  check_close(values_of(green), {.2f, .6f});

  auto back = tensor_output(r.run("MaskToImage", {{"mask", green}}));
  CHECK(back->shape() == std::vector<std::int64_t>{1, 1, 2, 3});
  check_close(values_of(back), {.2f, .2f, .2f, .6f, .6f, .6f});
}

TEST_CASE("ImageToMask of alpha on an RGB image fails with torch's IndexError") {
  native_node_runner r;
  auto out = r.run("ImageToMask", {{"image", tensor_of({1, 1, 1, 3}, {0, 0, 0})},
                                   {"channel", json("alpha")}});
  REQUIRE(!out.has_value());
  CHECK(out.error().exception_type == "IndexError");
  CHECK(out.error().message == "index 3 is out of bounds for dimension 3 with size 3");
}

TEST_CASE("ThresholdMask keeps only values strictly above the threshold") {
  native_node_runner r;
  auto out = tensor_output(r.run(
      "ThresholdMask",
      {{"mask", tensor_of({1, 1, 4}, {0.2f, 0.5f, 0.51f, 1.0f})}, {"value", json(0.5)}}));
  check_close(values_of(out), {0, 0, 1, 1});
}

TEST_CASE("CropMask cuts a window and clamps it to the mask as a Python slice") {
  native_node_runner r;
  std::vector<float> v(25);
  for (int i = 0; i < 25; ++i) {
    v[i] = static_cast<float>(i);
  }
  auto crop = [&](int x, int y, int w, int h) {
    return r.run("CropMask", {{"mask", tensor_of({1, 5, 5}, v)},
                              {"x", json(x)},
                              {"y", json(y)},
                              {"width", json(w)},
                              {"height", json(h)}});
  };
  auto inside = tensor_output(crop(1, 2, 2, 2));
  CHECK(inside->shape() == std::vector<std::int64_t>{1, 2, 2});
  check_close(values_of(inside), {11, 12, 16, 17});

  auto clamped = tensor_output(crop(3, 3, 512, 512));
  check_close(values_of(clamped), {18, 19, 23, 24});

  CHECK(!crop(5, 0, 2, 2).has_value());
}

TEST_CASE("GrowMask dilates with a cross when tapered and a square when not") {
  native_node_runner r;
  auto grow = [&](int expand, bool tapered, tensor_ptr mask) {
    return tensor_output(r.run(
        "GrowMask",
        {{"mask", mask}, {"expand", json(expand)}, {"tapered_corners", json(tapered)}}));
  };
  // scipy.ndimage.grey_dilation(dot, footprint=cross), then with a 3x3 square.
  check_close(values_of(grow(1, true, centre_dot())), {0, 0, 0, 0, 0,  //
                                                       0, 0, 1, 0, 0,  //
                                                       0, 1, 1, 1, 0,  //
                                                       0, 0, 1, 0, 0,  //
                                                       0, 0, 0, 0, 0});
  check_close(values_of(grow(1, false, centre_dot())), {0, 0, 0, 0, 0,  //
                                                        0, 1, 1, 1, 0,  //
                                                        0, 1, 1, 1, 0,  //
                                                        0, 1, 1, 1, 0,  //
                                                        0, 0, 0, 0, 0});
  // Two tapered steps make a diamond of radius two.
  check_close(values_of(grow(2, true, centre_dot())), {0, 0, 1, 0, 0,  //
                                                       0, 1, 1, 1, 0,  //
                                                       1, 1, 1, 1, 1,  //
                                                       0, 1, 1, 1, 0,  //
                                                       0, 0, 1, 0, 0});
}

TEST_CASE(
    "GrowMask with a negative expand erodes, repeating the edge beyond the border") {
  native_node_runner r;
  std::vector<float> square(25, 0.0f);
  for (int row = 0; row < 3; ++row) {
    for (int col = 0; col < 3; ++col) {
      square[row * 5 + col] = 1.0f;  // top-left 3x3 block touching the border
    }
  }
  auto out = tensor_output(r.run("GrowMask", {{"mask", tensor_of({1, 5, 5}, square)},
                                              {"expand", json(-1)},
                                              {"tapered_corners", json(true)}}));
  // Erosion by a cross: the border reflects, so the corner block shrinks to 2x2.
  check_close(values_of(out), {1, 1, 0, 0, 0,  //
                               1, 1, 0, 0, 0,  //
                               0, 0, 0, 0, 0,  //
                               0, 0, 0, 0, 0,  //
                               0, 0, 0, 0, 0});
}

TEST_CASE(
    "FeatherMask ramps the left and top edges and ComfyUI's -x indexing on the right") {
  native_node_runner r;
  auto out = tensor_output(
      r.run("FeatherMask", {{"mask", tensor_of({1, 5, 5}, std::vector<float>(25, 1.0f))},
                            {"left", json(2)},
                            {"top", json(0)},
                            {"right", json(2)},
                            {"bottom", json(0)}}));
  // left: column 0 × 1/2, column 1 × 2/2; right: column -0 (= 0) × 1/2,
  // column -1 (= 4) × 2/2. So column 0 ends at 1/4 and the right edge stays.
  const std::vector<float> row{0.25f, 1, 1, 1, 1};
  std::vector<float> want;
  for (int i = 0; i < 5; ++i) {
    want.insert(want.end(), row.begin(), row.end());
  }
  check_close(values_of(out), want);

  auto top = tensor_output(
      r.run("FeatherMask", {{"mask", tensor_of({1, 5, 1}, std::vector<float>(5, 1.0f))},
                            {"left", json(0)},
                            {"top", json(4)},
                            {"right", json(0)},
                            {"bottom", json(0)}}));
  check_close(values_of(top), {0.25f, 0.5f, 0.75f, 1, 1});
}

TEST_CASE("SplitImageWithAlpha and JoinImageWithAlpha round-trip an RGBA image") {
  native_node_runner r;
  auto rgba = tensor_of({1, 1, 2, 4}, {.1f, .2f, .3f, .9f, .4f, .5f, .6f, .25f});
  auto split = r.run("SplitImageWithAlpha", {{"image", rgba}});
  auto rgb = tensor_output(split, 0);
  auto mask = tensor_output(split, 1);
  CHECK(rgb->shape() == std::vector<std::int64_t>{1, 1, 2, 3});
  check_close(values_of(rgb), {.1f, .2f, .3f, .4f, .5f, .6f});
  check_close(values_of(mask), {.1f, .75f});  // ComfyUI's mask is 1 - alpha

  auto joined =
      tensor_output(r.run("JoinImageWithAlpha", {{"image", rgb}, {"alpha", mask}}));
  check_close(values_of(joined), values_of(rgba));
}

TEST_CASE("SplitImageWithAlpha of an RGB image gives an all-zero mask") {
  native_node_runner r;
  auto mask = tensor_output(
      r.run("SplitImageWithAlpha", {{"image", tensor_of({1, 1, 1, 3}, {1, 1, 1})}}), 1);
  check_close(values_of(mask), {0});
}

TEST_CASE(
    "JoinImageWithAlpha and SplitImageWithAlpha keep every channel of an image of "
    "fewer than three") {
  // Recorded from ComfyUI's code under torch 1.13: torch.cat of a [H, W, c]
  // slice and the alpha succeeds for c < 3, giving c + 1 channels.
  native_node_runner r;
  auto alpha = tensor_of({1, 2, 2}, {.25f, .5f, .75f, 1});
  auto gray = tensor_of({2, 2, 2, 1}, {0, .1f, .2f, .3f, .4f, .5f, .6f, .7f});
  auto joined =
      tensor_output(r.run("JoinImageWithAlpha", {{"image", gray}, {"alpha", alpha}}));
  CHECK(joined->shape() == std::vector<std::int64_t>{1, 2, 2, 2});
  check_close(values_of(joined), {0, .75f, .1f, .5f, .2f, .25f, .3f, 0});

  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i) {
    v[i] = static_cast<float>(i) / 10;
  }
  auto two = tensor_of({2, 2, 2, 2}, v);
  auto joined_two =
      tensor_output(r.run("JoinImageWithAlpha", {{"image", two}, {"alpha", alpha}}));
  CHECK(joined_two->shape() == std::vector<std::int64_t>{1, 2, 2, 3});
  check_close(values_of(joined_two),
              {0, .1f, .75f, .2f, .3f, .5f, .4f, .5f, .25f, .6f, .7f, 0});

  auto split = r.run("SplitImageWithAlpha", {{"image", two}});
  CHECK(tensor_output(split, 0)->shape() == std::vector<std::int64_t>{2, 2, 2, 2});
  check_close(values_of(tensor_output(split, 0)), v);
  check_close(values_of(tensor_output(split, 1)), std::vector<float>(8, 0.0f));
}

TEST_CASE("JoinImageWithAlpha resizes the mask bilinearly to the image") {
  native_node_runner r;
  auto image = tensor_of({1, 1, 4, 3}, std::vector<float>(12, 0.5f));
  auto alpha = tensor_of({1, 1, 2}, {0.0f, 1.0f});
  auto out =
      tensor_output(r.run("JoinImageWithAlpha", {{"image", image}, {"alpha", alpha}}));
  // 2 → 4 bilinear (align_corners=False): [0, .25, .75, 1]; alpha = 1 - that.
  auto v = values_of(out);
  check_close({v[3], v[7], v[11], v[15]}, {1.0f, 0.75f, 0.25f, 0.0f});
}

}  // namespace
}  // namespace drover::worker
