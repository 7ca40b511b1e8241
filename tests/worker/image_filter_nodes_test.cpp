// ImageBlur, ImageSharpen and ImageBlend against values computed here the way
// ComfyUI's Python computes them: a 2-D kernel over a reflect-padded image,
// and the blend formulas on constant images.

#include <cmath>
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

/// A 5x5 one-channel image with no symmetry.
std::vector<float> ramp_5x5() {
  std::vector<float> v(25);
  for (int i = 0; i < 25; ++i) {
    v[i] = static_cast<float>((i * 7) % 11) / 10.0f;
  }
  return v;
}

int reflect(int i, int n) {
  return i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i);
}

/// ComfyUI's gaussian_kernel: distance from the centre on a linspace(-1, 1)
/// grid, exp(-d^2 / (2 sigma^2)), normalised over the square.
std::vector<double> kernel_2d(int radius, double sigma) {
  const int size = 2 * radius + 1;
  std::vector<double> k(size * size);
  double total = 0;
  for (int i = 0; i < size; ++i) {
    for (int j = 0; j < size; ++j) {
      double x = -1.0 + 2.0 * i / (size - 1), y = -1.0 + 2.0 * j / (size - 1);
      k[i * size + j] = std::exp(-(x * x + y * y) / (2 * sigma * sigma));
      total += k[i * size + j];
    }
  }
  for (auto& v : k) {
    v /= total;
  }
  return k;
}

std::vector<float> convolve_reflect(const std::vector<float>& img, int n,
                                    const std::vector<double>& k, int radius) {
  const int size = 2 * radius + 1;
  std::vector<float> out(n * n);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      double sum = 0;
      for (int i = 0; i < size; ++i) {
        for (int j = 0; j < size; ++j) {
          sum += k[i * size + j] *
                 img[reflect(y + i - radius, n) * n + reflect(x + j - radius, n)];
        }
      }
      out[y * n + x] = static_cast<float>(sum);
    }
  }
  return out;
}

node_outcome blur(native_node_runner& r, tensor_ptr image, int radius, double sigma) {
  return r.run("ImageBlur",
               {{"image", image}, {"blur_radius", json(radius)}, {"sigma", json(sigma)}});
}

TEST_CASE("ImageBlur equals ComfyUI's 2-D gaussian over a reflect-padded border") {
  native_node_runner r;
  auto img = ramp_5x5();
  for (auto [radius, sigma] : {std::pair{1, 1.0}, std::pair{2, 0.5}, std::pair{4, 3.0}}) {
    CAPTURE(radius);
    auto want = convolve_reflect(img, 5, kernel_2d(radius, sigma), radius);
    auto got =
        values_of(tensor_output(blur(r, tensor_of({1, 5, 5, 1}, img), radius, sigma)));
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CAPTURE(i);
      CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-6));
    }
  }
}

TEST_CASE("ImageBlur blurs each channel of each image on its own") {
  native_node_runner r;
  auto img = ramp_5x5();
  std::vector<float> two(2 * 25 * 3);
  for (int b = 0; b < 2; ++b) {
    for (int p = 0; p < 25; ++p) {
      two[(b * 25 + p) * 3 + 0] = img[p];
      two[(b * 25 + p) * 3 + 1] = 1.0f - img[p];
      two[(b * 25 + p) * 3 + 2] = b == 0 ? 0.25f : img[24 - p];
    }
  }
  auto got = values_of(tensor_output(blur(r, tensor_of({2, 5, 5, 3}, two), 1, 1.0)));
  auto want = convolve_reflect(img, 5, kernel_2d(1, 1.0), 1);
  for (int p = 0; p < 25; ++p) {
    CAPTURE(p);
    CHECK(got[p * 3] == doctest::Approx(want[p]).epsilon(1e-6));
    CHECK(got[p * 3 + 1] == doctest::Approx(1.0f - want[p]).epsilon(1e-6));
    CHECK(got[p * 3 + 2] == doctest::Approx(0.25f).epsilon(1e-6));
    CHECK(got[(25 + p) * 3] == doctest::Approx(want[p]).epsilon(1e-6));
  }
}

TEST_CASE("ImageBlur with a radius not below the image size fails as torch's pad does") {
  native_node_runner r;
  auto out = blur(r, tensor_of({1, 3, 8, 1}, std::vector<float>(24, 0.5f)), 3, 1.0);
  REQUIRE(!out.has_value());
  CHECK(out.error().exception_type == "RuntimeError");
}

TEST_CASE("ImageBlur refuses a negative radius and a sigma that is not positive") {
  // ComfyUI's validation stops these at min 1 and 0.1; the node still refuses.
  native_node_runner r;
  auto image = tensor_of({1, 5, 5, 1}, ramp_5x5());
  for (auto [radius, sigma] :
       {std::pair{-2, 1.0}, std::pair{1, 0.0}, std::pair{1, -1.0}}) {
    CAPTURE(radius);
    auto out = blur(r, image, radius, sigma);
    REQUIRE(!out.has_value());
    CHECK(out.error().exception_type == "ValueError");
  }
}

TEST_CASE("ImageSharpen applies ComfyUI's centre-raised negative gaussian, clamped") {
  native_node_runner r;
  auto img = ramp_5x5();
  for (auto alpha : {0.0, 0.3, 1.0}) {
    CAPTURE(alpha);
    const int radius = 1;
    const double sigma = 1.5;
    auto k = kernel_2d(radius, sigma);
    double total = 0;
    for (auto& v : k) {
      v *= -(alpha * 10);
      total += v;
    }
    k[4] = k[4] - total + 1.0;
    auto want = convolve_reflect(img, 5, k, radius);
    for (auto& v : want) {
      v = std::min(1.0f, std::max(0.0f, v));
    }
    auto got = values_of(
        tensor_output(r.run("ImageSharpen", {{"image", tensor_of({1, 5, 5, 1}, img)},
                                             {"sharpen_radius", json(radius)},
                                             {"sigma", json(sigma)},
                                             {"alpha", json(alpha)}})));
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CAPTURE(i);
      CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-5));
    }
  }
}

node_outcome blend(native_node_runner& r, tensor_ptr a, tensor_ptr b, double factor,
                   const std::string& mode) {
  return r.run("ImageBlend", {{"image1", a},
                              {"image2", b},
                              {"blend_factor", json(factor)},
                              {"blend_mode", json(mode)}});
}

tensor_ptr constant(float v, std::vector<std::int64_t> shape = {1, 2, 2, 3}) {
  std::size_t n = 1;
  for (auto d : shape) {
    n *= static_cast<std::size_t>(d);
  }
  return tensor_of(shape, std::vector<float>(n, v));
}

struct blend_case {
  const char* mode;
  float a, b;
  double factor;
  float want;
};

TEST_CASE("ImageBlend computes every blend mode as ComfyUI's formulas") {
  // Worked by hand: a * (1 - f) + mode(a, b) * f, clamped to 0..1.
  const blend_case cases[] = {
      {"normal", 0.3f, 0.6f, 0.5, 0.45f},
      {"multiply", 0.3f, 0.6f, 0.5, 0.15f + 0.5f * 0.18f},
      {"screen", 0.3f, 0.6f, 0.5, 0.15f + 0.5f * 0.72f},
      {"overlay", 0.3f, 0.6f, 0.5, 0.15f + 0.5f * 0.36f},  // a <= .5: 2ab
      {"overlay", 0.8f, 0.4f, 1.0, 0.76f},                 // 1 - 2(1-a)(1-b)
      {"soft_light", 0.3f, 0.6f, 1.0, 0.3f + 0.2f * (0.5477226f - 0.3f)},  // sqrt
      {"soft_light", 0.2f, 0.8f, 1.0, 0.2f + 0.6f * (0.448f - 0.2f)},      // cubic
      {"soft_light", 0.8f, 0.4f, 1.0, 0.768f},  // b <= .5: a - (1-2b)a(1-a)
      {"difference", 0.7f, 0.2f, 1.0, 0.5f},
      {"difference", 0.2f, 0.7f, 1.0, 0.0f},  // a - b, clamped, not |a - b|
      {"screen", 0.9f, 0.9f, 0.0, 0.9f},
  };
  native_node_runner r;
  for (const auto& c : cases) {
    CAPTURE(c.mode);
    CAPTURE(c.a);
    auto got = values_of(
        tensor_output(blend(r, constant(c.a), constant(c.b), c.factor, c.mode)));
    check_close(got, std::vector<float>(12, c.want));
  }
}

TEST_CASE("ImageBlend resizes a differently sized image2 and drops its extra alpha") {
  native_node_runner r;
  auto out =
      blend(r, constant(0.2f, {1, 4, 6, 3}), constant(0.6f, {1, 2, 2, 4}), 0.5, "normal");
  auto t = tensor_output(out);
  CHECK(t->shape() == std::vector<std::int64_t>{1, 4, 6, 3});
  check_close(values_of(t), std::vector<float>(72, 0.4f));
}

TEST_CASE("ImageBlend refuses an unknown mode and unbroadcastable batches") {
  native_node_runner r;
  auto unknown = blend(r, constant(0.2f), constant(0.6f), 0.5, "dodge");
  REQUIRE(!unknown.has_value());
  CHECK(unknown.error().exception_type == "ValueError");
  auto batches =
      blend(r, constant(0.2f, {2, 2, 2, 3}), constant(0.6f, {3, 2, 2, 3}), 0.5, "normal");
  REQUIRE(!batches.has_value());
  CHECK(batches.error().exception_type == "RuntimeError");
}

}  // namespace
}  // namespace drover::worker
