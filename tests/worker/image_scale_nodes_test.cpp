// ImageScale's lanczos, bicubic and area against values worked out from
// Pillow's and torch's definitions; ImageScaleBy, ImageScaleToTotalPixels
// sizes; ImageAddNoise against torch.randn's known first values.

#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "native_node_runner.hpp"
#include "worker/image_noise.hpp"

namespace drover::worker {
namespace {

using testing::check_close;
using testing::native_node_runner;
using testing::tensor_of;
using testing::tensor_output;
using testing::values_of;

node_outcome scale(native_node_runner& r, const std::string& method, tensor_ptr image,
                   std::int64_t w, std::int64_t h) {
  return r.run("ImageScale", {{"image", image},
                              {"upscale_method", json(method)},
                              {"width", json(w)},
                              {"height", json(h)},
                              {"crop", json("disabled")}});
}

/// An RGB row of pixels, each channel the same value.
tensor_ptr grey_row(const std::vector<float>& values) {
  std::vector<float> rgb;
  for (float v : values) {
    rgb.insert(rgb.end(), {v, v, v});
  }
  return tensor_of({1, 1, static_cast<std::int64_t>(values.size()), 3}, rgb);
}

std::vector<float> grey(const std::vector<float>& values) {
  std::vector<float> rgb;
  for (float v : values) {
    rgb.insert(rgb.end(), {v, v, v});
  }
  return rgb;
}

double lanczos3(double x) {
  auto sinc = [](double v) {
    return v == 0 ? 1.0 : std::sin(v * M_PI) / (v * M_PI);
  };
  return (-3 <= x && x < 3) ? sinc(x) * sinc(x / 3) : 0.0;
}

TEST_CASE("ImageScale lanczos follows Pillow's 8-bit fixed-point resampling") {
  // 2 -> 4 pixels of [0, 1]: output i samples source position (i + 0.5) / 2
  // and weighs pixel p by L(p + 0.5 - position), normalised; Pillow rounds
  // the weight to 22 bits and the sum to 8 bits (negative sums clamp to 0).
  auto byte_of = [](double w1) {
    auto k = static_cast<std::int64_t>(w1 * (1 << 22) + (w1 < 0 ? -0.5 : 0.5));
    auto v = ((std::int64_t{1} << 21) + 255 * k) >> 22;
    return static_cast<float>(std::min<std::int64_t>(255, std::max<std::int64_t>(0, v))) /
           255.0f;
  };
  std::vector<float> want;
  for (int i = 0; i < 4; ++i) {
    double position = (i + 0.5) / 2;
    double w0 = lanczos3(0.5 - position), w1 = lanczos3(1.5 - position);
    want.push_back(byte_of(w1 / (w0 + w1)));
  }
  CHECK(want[0] == 0.0f);  // the kernel's negative lobe, clamped

  native_node_runner r;
  auto got = values_of(tensor_output(scale(r, "lanczos", grey_row({0.0f, 1.0f}), 4, 1)));
  check_close(got, grey(want));
}

TEST_CASE("ImageScale lanczos truncates to 8 bits even when the size is unchanged") {
  native_node_runner r;
  auto got =
      values_of(tensor_output(scale(r, "lanczos", grey_row({0.999f, 0.5f, 1.5f}), 3, 1)));
  check_close(got, grey({254 / 255.0f, 127 / 255.0f, 1.0f}));
}

TEST_CASE("ImageScale lanczos keeps a constant image constant when shrinking") {
  native_node_runner r;
  auto big = tensor_of({1, 8, 8, 3}, std::vector<float>(192, 0.6f));
  auto got = values_of(tensor_output(scale(r, "lanczos", big, 3, 5)));
  check_close(got, std::vector<float>(45, 153 / 255.0f));
}

TEST_CASE("ImageScale lanczos resamples RGBA premultiplied, as Pillow's RGBa") {
  // 0.6 -> 153, alpha 0.5 -> 127; premultiplied (153 * 127 + 128) / 255 -> 76;
  // a constant stays 76; back: 76 * 255 / 127 = 152.6, truncated to 152.
  native_node_runner r;
  std::vector<float> rgba;
  for (int i = 0; i < 16; ++i) {
    rgba.insert(rgba.end(), {0.6f, 0.6f, 0.6f, 0.5f});
  }
  auto got =
      values_of(tensor_output(scale(r, "lanczos", tensor_of({1, 4, 4, 4}, rgba), 2, 2)));
  std::vector<float> want;
  for (int i = 0; i < 4; ++i) {
    want.insert(want.end(), {152 / 255.0f, 152 / 255.0f, 152 / 255.0f, 127 / 255.0f});
  }
  check_close(got, want);
}

TEST_CASE("ImageScale lanczos with a centre crop resamples only the kept window") {
  // 1x4 to 2x1: the crop keeps columns 1 and 2, already the right size, so
  // only the 8-bit round trip remains (0.2 -> 51, 0.4 -> 102).
  native_node_runner r;
  auto out = r.run("ImageScale", {{"image", grey_row({0.0f, 0.2f, 0.4f, 1.0f})},
                                  {"upscale_method", json("lanczos")},
                                  {"width", json(2)},
                                  {"height", json(1)},
                                  {"crop", json("center")}});
  check_close(values_of(tensor_output(out)), grey({51 / 255.0f, 102 / 255.0f}));
}

TEST_CASE("ImageScale bicubic uses torch's A = -0.75 kernel without clamping") {
  // 2 -> 4 of [0, 1]: sources -0.25, 0.25, 0.75, 1.25 with edge replication;
  // the overshoot of Keys' kernel is kept: W(1.25) = -0.10546875 and
  // W(0.75) + W(1.75) = 0.2265625.
  native_node_runner r;
  auto got = values_of(tensor_output(scale(r, "bicubic", grey_row({0.0f, 1.0f}), 4, 1)));
  check_close(got, grey({-0.10546875f, 0.2265625f, 0.7734375f, 1.10546875f}));
}

TEST_CASE("ImageScale area averages torch's overlapping adaptive-pool windows") {
  // 3 -> 2: windows [0, 2) and [1, 3).
  native_node_runner r;
  auto got =
      values_of(tensor_output(scale(r, "area", grey_row({0.0f, 0.3f, 0.9f}), 2, 1)));
  check_close(got, grey({0.15f, 0.6f}));
}

TEST_CASE("ImageScaleBy rounds each side as Python's round does") {
  native_node_runner r;
  auto image = tensor_of({1, 2, 4, 3}, std::vector<float>(24, 0.5f));
  auto out = tensor_output(r.run("ImageScaleBy", {{"image", image},
                                                  {"upscale_method", json("bilinear")},
                                                  {"scale_by", json(0.375)}}));
  // 4 * 0.375 = 1.5 rounds to 2, 2 * 0.375 = 0.75 to 1.
  CHECK(out->shape() == std::vector<std::int64_t>{1, 1, 2, 3});
  check_close(values_of(out), std::vector<float>(6, 0.5f));
}

TEST_CASE("ImageScaleBy to a zero side fails instead of producing an empty image") {
  native_node_runner r;
  auto image = tensor_of({1, 2, 2, 3}, std::vector<float>(12, 0.5f));
  auto out = r.run(
      "ImageScaleBy",
      {{"image", image}, {"upscale_method", json("area")}, {"scale_by", json(0.2)}});
  CHECK(!out.has_value());
}

TEST_CASE("ImageScaleToTotalPixels rounds each side to a multiple of the steps") {
  native_node_runner r;
  auto image = tensor_of({1, 2, 4, 3}, std::vector<float>(24, 0.5f));
  auto out = tensor_output(
      r.run("ImageScaleToTotalPixels", {{"image", image},
                                        {"upscale_method", json("nearest-exact")},
                                        {"megapixels", json(0.01)},
                                        {"resolution_steps", json(8)}}));
  // sqrt(0.01 * 2^20 / 8) = 36.2: 4 * 36.2 / 8 = 18.1 -> 144, 2 * 36.2 / 8 -> 72.
  CHECK(out->shape() == std::vector<std::int64_t>{1, 72, 144, 3});
}

TEST_CASE("torch_randn reproduces torch.manual_seed(0) draws on both torch paths") {
  // torch.manual_seed(0); torch.randn(2, 3) and torch.randn(4, 4), as printed.
  auto six = torch_randn(0, 6);
  std::vector<float> want6 = {1.5410f, -0.2934f, -2.1788f, 0.5684f, -1.0845f, -1.3986f};
  for (std::size_t i = 0; i < 6; ++i) {
    CAPTURE(i);
    CHECK(six[i] == doctest::Approx(want6[i]).epsilon(1e-4));
  }
  auto sixteen = torch_randn(0, 16);
  std::vector<float> want16 = {-1.1258f, -1.1524f, -0.2506f, -0.4339f, 0.8487f, 0.6920f,
                               -0.3160f, -2.1152f, 0.3223f,  -1.2633f, 0.3500f, 0.3081f,
                               0.1198f,  1.2377f,  1.1168f,  -0.2473f};
  for (std::size_t i = 0; i < 16; ++i) {
    CAPTURE(i);
    CHECK(sixteen[i] == doctest::Approx(want16[i]).epsilon(1e-4));
  }
}

TEST_CASE("ImageAddNoise adds seeded noise times strength and clamps") {
  native_node_runner r;
  auto image = tensor_of({1, 4, 4, 3}, std::vector<float>(48, 0.5f));
  auto run = [&](std::uint64_t seed, double strength) {
    return values_of(tensor_output(
        r.run("ImageAddNoise",
              {{"image", image}, {"seed", json(seed)}, {"strength", json(strength)}})));
  };
  check_close(run(7, 0.0), std::vector<float>(48, 0.5f));
  auto noise = torch_randn(7, 48);
  auto got = run(7, 0.25);
  for (std::size_t i = 0; i < 48; ++i) {
    CAPTURE(i);
    CHECK(got[i] == std::min(1.0f, std::max(0.0f, 0.5f + 0.25f * noise[i])));
  }
  CHECK(run(7, 0.25) == got);
  CHECK(run(8, 0.25) != got);
  // Seeds above int64 are accepted, and only their low 32 bits count.
  CHECK(run((std::uint64_t{1} << 63) + 7, 0.25) == got);
}

}  // namespace
}  // namespace drover::worker
