// The fast image kernels (invert, blur, sharpen, resize, lanczos) against
// straightforward implementations written here: whole-image passes with
// clamped or reflected indices, one output value at a time. Random small
// images, odd sizes, so that vector blocks, their tails and the borders all
// run.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "worker/image_filters.hpp"
#include "worker/image_lanczos.hpp"
#include "worker/image_resize.hpp"
#include "worker/image_row_kernels.hpp"

namespace drover::worker {
namespace {

/// A plain [1, h, w, c] image.
struct plain_image {
  std::int64_t h, w, c;
  std::vector<float> v;

  float at(std::int64_t y, std::int64_t x, std::int64_t ch) const {
    return v[(y * w + x) * c + ch];
  }
};

plain_image random_image(std::int64_t h, std::int64_t w, std::int64_t c, unsigned seed) {
  std::mt19937 rng{seed};
  std::uniform_real_distribution<float> unit{0.0f, 1.0f};
  plain_image img{h, w, c, std::vector<float>(h * w * c)};
  for (auto& x : img.v) {
    x = unit(rng);
  }
  return img;
}

tensor_ptr to_tensor(const plain_image& img) {
  auto t = tensor::allocate({1, img.h, img.w, img.c}).value();
  std::copy(img.v.begin(), img.v.end(), t->data());
  return t;
}

float max_abs_diff(const tensor& t, const std::vector<float>& expected) {
  REQUIRE(t.size() == expected.size());
  float worst = 0.0f;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    worst = std::max(worst, std::abs(t.data()[i] - expected[i]));
  }
  return worst;
}

std::int64_t reflect(std::int64_t i, std::int64_t n) {
  return i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i);
}

/// Separable blur, along x into a full image, then along y.
std::vector<float> plain_blur(const plain_image& img, std::int64_t radius, double sigma) {
  const auto k = gaussian_taps(radius, sigma);
  std::vector<float> rows(img.v.size()), out(img.v.size());
  for (std::int64_t y = 0; y < img.h; ++y) {
    for (std::int64_t x = 0; x < img.w; ++x) {
      for (std::int64_t ch = 0; ch < img.c; ++ch) {
        float sum = 0.0f;
        for (std::int64_t t = -radius; t <= radius; ++t) {
          sum += k[t + radius] * img.at(y, reflect(x + t, img.w), ch);
        }
        rows[(y * img.w + x) * img.c + ch] = sum;
      }
    }
  }
  const auto row_len = img.w * img.c;
  for (std::int64_t y = 0; y < img.h; ++y) {
    for (std::int64_t i = 0; i < row_len; ++i) {
      float sum = 0.0f;
      for (std::int64_t t = -radius; t <= radius; ++t) {
        sum += k[t + radius] * rows[reflect(y + t, img.h) * row_len + i];
      }
      out[y * row_len + i] = sum;
    }
  }
  return out;
}

/// torch's upsample_bicubic2d (A = -0.75, clamped indices), x then y.
float cubic(float x) {
  constexpr float a = -0.75f;
  x = std::abs(x);
  if (x <= 1) {
    return ((a + 2) * x - (a + 3)) * x * x + 1;
  }
  return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}

struct tap {
  std::int64_t index;
  float weight;
};

std::vector<tap> bicubic_axis(std::int64_t in, std::int64_t out, std::int64_t dst) {
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  const float src = scale * (static_cast<float>(dst) + 0.5f) - 0.5f;
  const float base = std::floor(src), f = src - base;
  const float weights[4] = {cubic(f + 1), cubic(f), cubic(1 - f), cubic(2 - f)};
  std::vector<tap> taps;
  for (int k = 0; k < 4; ++k) {
    auto i = static_cast<std::int64_t>(base) - 1 + k;
    taps.push_back({std::clamp<std::int64_t>(i, 0, in - 1), weights[k]});
  }
  return taps;
}

std::vector<float> plain_bicubic(const plain_image& img, std::int64_t out_w,
                                 std::int64_t out_h) {
  std::vector<float> rows(img.h * out_w * img.c), out(out_h * out_w * img.c);
  for (std::int64_t y = 0; y < img.h; ++y) {
    for (std::int64_t x = 0; x < out_w; ++x) {
      const auto taps = bicubic_axis(img.w, out_w, x);
      for (std::int64_t ch = 0; ch < img.c; ++ch) {
        float sum = 0.0f;
        for (const auto& t : taps) {
          sum += t.weight * img.at(y, t.index, ch);
        }
        rows[(y * out_w + x) * img.c + ch] = sum;
      }
    }
  }
  const auto row_len = out_w * img.c;
  for (std::int64_t y = 0; y < out_h; ++y) {
    const auto taps = bicubic_axis(img.h, out_h, y);
    for (std::int64_t i = 0; i < row_len; ++i) {
      float sum = 0.0f;
      for (const auto& t : taps) {
        sum += t.weight * rows[t.index * row_len + i];
      }
      out[y * row_len + i] = sum;
    }
  }
  return out;
}

/// Pillow's LANCZOS on 8 bits: fixed-point weights with 22 fractional bits,
/// x then y through an 8-bit image, premultiplied for four channels.
struct fixed_taps {
  std::int64_t first;
  std::vector<std::int32_t> weights;
};

std::vector<fixed_taps> lanczos_axis(std::int64_t in, std::int64_t out) {
  const double scale = static_cast<double>(in) / out, filter = std::max(scale, 1.0);
  const double support = 3.0 * filter;
  auto lanczos = [](double x) {
    auto sinc = [](double v) {
      return v == 0 ? 1.0 : std::sin(v * M_PI) / (v * M_PI);
    };
    return (-3 <= x && x < 3) ? sinc(x) * sinc(x / 3) : 0.0;
  };
  std::vector<fixed_taps> axis;
  for (std::int64_t i = 0; i < out; ++i) {
    const double center = (i + 0.5) * scale;
    const auto lo = std::max<std::int64_t>(0, static_cast<int>(center - support + 0.5));
    const auto hi = std::min<std::int64_t>(in, static_cast<int>(center + support + 0.5));
    std::vector<double> k;
    double total = 0;
    for (auto x = lo; x < hi; ++x) {
      k.push_back(lanczos((x - center + 0.5) / filter));
      total += k.back();
    }
    fixed_taps taps{lo, {}};
    for (double w : k) {
      w = total != 0 ? w / total : w;
      const double fixed = w * (1 << 22);
      taps.weights.push_back(
          static_cast<std::int32_t>(w < 0 ? fixed - 0.5 : fixed + 0.5));
    }
    axis.push_back(taps);
  }
  return axis;
}

std::uint8_t fixed_sum(const std::vector<std::int32_t>& weights, const std::uint8_t* at,
                       std::int64_t stride) {
  std::int32_t sum = 1 << 21;
  for (std::size_t t = 0; t < weights.size(); ++t) {
    sum += at[t * stride] * weights[t];
  }
  return static_cast<std::uint8_t>(std::clamp(sum >> 22, 0, 255));
}

std::vector<float> plain_lanczos(const plain_image& img, std::int64_t out_w,
                                 std::int64_t out_h) {
  const auto c = img.c;
  const bool along_x = out_w != img.w, along_y = out_h != img.h;
  const bool rgba = c == 4 && (along_x || along_y);
  std::vector<std::uint8_t> bytes(img.v.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<std::uint8_t>(std::clamp(255.0f * img.v[i], 0.0f, 255.0f));
  }
  for (std::size_t p = 0; rgba && p < bytes.size(); p += 4) {
    for (int ch = 0; ch < 3; ++ch) {
      unsigned t = bytes[p + ch] * unsigned{bytes[p + 3]} + 128;
      bytes[p + ch] = static_cast<std::uint8_t>(((t >> 8) + t) >> 8);
    }
  }
  std::vector<std::uint8_t> mid = bytes;
  if (along_x) {
    mid.assign(img.h * out_w * c, 0);
    const auto xs = lanczos_axis(img.w, out_w);
    for (std::int64_t y = 0; y < img.h; ++y) {
      for (std::int64_t x = 0; x < out_w; ++x) {
        for (std::int64_t ch = 0; ch < c; ++ch) {
          const auto* at = &bytes[(y * img.w + xs[x].first) * c + ch];
          mid[(y * out_w + x) * c + ch] = fixed_sum(xs[x].weights, at, c);
        }
      }
    }
  }
  std::vector<std::uint8_t> done = mid;
  const auto row_len = out_w * c;
  if (along_y) {
    done.assign(out_h * row_len, 0);
    const auto ys = lanczos_axis(img.h, out_h);
    for (std::int64_t y = 0; y < out_h; ++y) {
      for (std::int64_t i = 0; i < row_len; ++i) {
        const auto* at = &mid[ys[y].first * row_len + i];
        done[y * row_len + i] = fixed_sum(ys[y].weights, at, row_len);
      }
    }
  }
  for (std::size_t p = 0; rgba && p < done.size(); p += 4) {
    const unsigned alpha = done[p + 3];
    for (int ch = 0; ch < 3 && alpha != 0 && alpha != 255; ++ch) {
      done[p + ch] =
          static_cast<std::uint8_t>(std::min(255u, 255u * done[p + ch] / alpha));
    }
  }
  std::vector<float> out(done.size());
  for (std::size_t i = 0; i < done.size(); ++i) {
    out[i] = static_cast<float>(done[i]) / 255.0f;
  }
  return out;
}

TEST_CASE("weighted_row_sum adds the weighted rows in tap order, tails included") {
  std::mt19937 rng{7};
  std::uniform_real_distribution<float> unit{-1.0f, 1.0f};
  for (std::size_t n : {1u, 31u, 32u, 33u, 100u}) {
    std::vector<std::vector<float>> rows(5, std::vector<float>(n));
    std::vector<const float*> pointers;
    for (auto& row : rows) {
      std::generate(row.begin(), row.end(), [&] { return unit(rng); });
      pointers.push_back(row.data());
    }
    const std::vector<float> weights = {0.1f, -0.7f, 0.25f, 1.5f, 0.05f};
    std::vector<float> out(n);
    weighted_row_sum(pointers.data(), weights.data(), weights.size(), n, out.data());
    for (std::size_t i = 0; i < n; ++i) {
      float sum = 0.0f;
      for (std::size_t t = 0; t < weights.size(); ++t) {
        sum += weights[t] * rows[t][i];
      }
      CHECK(out[i] == sum);
    }
  }
}

TEST_CASE("subtract_from_one gives 1 - x whether it streams its output or not") {
  std::mt19937 rng{9};
  std::uniform_real_distribution<float> unit{0.0f, 1.0f};
  // 20 MiB streams; the output one float off alignment takes the head loop.
  for (std::size_t n : {std::size_t{1001}, std::size_t{5} << 20}) {
    std::vector<float> in(n), out(n + 1);
    std::generate(in.begin(), in.end(), [&] { return unit(rng); });
    subtract_from_one(in.data(), n, out.data() + 1);
    bool all_equal = true;
    for (std::size_t i = 0; i < n; ++i) {
      all_equal = all_equal && out[i + 1] == 1.0f - in[i];
    }
    CHECK(all_equal);
  }
}

TEST_CASE("ImageBlur's kernel matches a plain separable blur on a random image") {
  for (std::int64_t c : {1, 3, 4}) {
    const auto img = random_image(37, 41, c, 11 + static_cast<unsigned>(c));
    for (auto [radius, sigma] :
         {std::pair{1, 0.5}, std::pair{5, 1.0}, std::pair{31, 10.0}}) {
      auto out = gaussian_blur(*to_tensor(img), radius, sigma);
      REQUIRE(out.has_value());
      CHECK(max_abs_diff(*out.value(), plain_blur(img, radius, sigma)) <= 1e-5f);
    }
  }
}

TEST_CASE("ImageSharpen's kernel matches the plain formula over a plain blur") {
  const auto img = random_image(29, 33, 3, 5);
  const float gain = 10.0f * 0.7f;
  auto blurred = plain_blur(img, 3, 1.0);
  for (std::size_t i = 0; i < blurred.size(); ++i) {
    blurred[i] = std::clamp((1.0f + gain) * img.v[i] - gain * blurred[i], 0.0f, 1.0f);
  }
  auto out = sharpen(*to_tensor(img), 3, 1.0, 0.7);
  REQUIRE(out.has_value());
  CHECK(max_abs_diff(*out.value(), blurred) <= 1e-5f);
}

TEST_CASE("bicubic resizing matches plain clamped-index passes, up and down") {
  for (std::int64_t c : {1, 3, 4}) {
    const auto img = random_image(13, 17, c, 3 + static_cast<unsigned>(c));
    for (auto [w, h] :
         {std::pair{34, 26}, std::pair{29, 23}, std::pair{7, 5}, std::pair{17, 40}}) {
      auto out = resize_image(*to_tensor(img), w, h, "bicubic", "disabled");
      REQUIRE(out.has_value());
      CHECK(max_abs_diff(*out.value(), plain_bicubic(img, w, h)) <= 1e-5f);
    }
  }
}

TEST_CASE("lanczos resizing matches plain 8-bit Pillow passes, RGBA included") {
  for (std::int64_t c : {1, 3, 4}) {
    const auto img = random_image(19, 23, c, 17 + static_cast<unsigned>(c));
    for (auto [w, h] : {std::pair{46, 38}, std::pair{41, 19}, std::pair{23, 50},
                        std::pair{9, 7}, std::pair{61, 11}}) {
      auto out = lanczos_resize(*to_tensor(img), w, h);
      REQUIRE(out.has_value());
      CAPTURE(c);
      CAPTURE(w);
      CAPTURE(h);
      CHECK(max_abs_diff(*out.value(), plain_lanczos(img, w, h)) == 0.0f);
    }
  }
}

}  // namespace
}  // namespace drover::worker
