#include "worker/image_filters.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace drover::worker {

namespace {

std::int64_t reflect(std::int64_t i, std::int64_t n) {
  if (i < 0) {
    return -i;
  }
  return i >= n ? 2 * (n - 1) - i : i;
}

/// Convolves every row of one image along x; `padded` is scratch space.
void blur_rows(const float* src, float* dst, std::int64_t h, std::int64_t w,
               std::int64_t c, const std::vector<float>& k, std::vector<float>& padded) {
  const auto r = static_cast<std::int64_t>(k.size() / 2), row_len = w * c;
  for (std::int64_t y = 0; y < h; ++y) {
    const float* row = src + y * row_len;
    for (std::int64_t x = -r; x < w + r; ++x) {
      std::copy_n(row + reflect(x, w) * c, c, padded.data() + (x + r) * c);
    }
    float* out = dst + y * row_len;
    std::fill(out, out + row_len, 0.0f);
    for (std::size_t t = 0; t < k.size(); ++t) {
      const float* in = padded.data() + t * c;
      const float weight = k[t];
      for (std::int64_t i = 0; i < row_len; ++i) {
        out[i] += weight * in[i];
      }
    }
  }
}

/// Convolves one image of rows `row_len` floats long along y.
void blur_columns(const float* src, float* dst, std::int64_t h, std::int64_t row_len,
                  const std::vector<float>& k) {
  const auto r = static_cast<std::int64_t>(k.size() / 2);
  for (std::int64_t y = 0; y < h; ++y) {
    float* out = dst + y * row_len;
    std::fill(out, out + row_len, 0.0f);
    for (std::size_t t = 0; t < k.size(); ++t) {
      const float* in = src + reflect(y + static_cast<std::int64_t>(t) - r, h) * row_len;
      const float weight = k[t];
      for (std::int64_t i = 0; i < row_len; ++i) {
        out[i] += weight * in[i];
      }
    }
  }
}

actors::result<void> check_blur(const tensor& image, std::int64_t radius, double sigma) {
  if (radius < 1 || !(sigma > 0.0) || !std::isfinite(sigma)) {
    return actors::fail(actors::errc::invalid_input,
                        "blur needs a radius >= 1 and a finite sigma > 0");
  }
  if (image.rank() != 4) {
    return actors::fail(actors::errc::invalid_input,
                        "image must be [B, H, W, C], got " + image.shape_string());
  }
  if (radius >= image.dim(1) || radius >= image.dim(2)) {
    return actors::fail(actors::errc::execution,
                        "Padding size should be less than the corresponding input "
                        "dimension, but got: padding (" +
                            std::to_string(radius) + ", " + std::to_string(radius) +
                            ") of input " + image.shape_string());
  }
  return actors::ok();
}

/// The blurred image in a tensor the caller may still write.
actors::result<std::shared_ptr<tensor>> blur_into_new(const tensor& image,
                                                      std::int64_t radius, double sigma) {
  DROVER_TRYV(check_blur(image, radius, sigma));
  const auto batch = image.dim(0), h = image.dim(1), w = image.dim(2), c = image.dim(3);
  DROVER_TRY(out, tensor::allocate(image.shape()));
  auto k = gaussian_taps(radius, sigma);
  std::vector<float> padded((w + 2 * radius) * c);
  std::vector<float> rows(h * w * c);
  for (std::int64_t b = 0; b < batch; ++b) {
    const auto offset = b * h * w * c;
    blur_rows(image.data() + offset, rows.data(), h, w, c, k, padded);
    blur_columns(rows.data(), out->data() + offset, h, w * c, k);
  }
  return out;
}

}  // namespace

std::vector<float> gaussian_taps(std::int64_t radius, double sigma) {
  const auto size = radius * 2 + 1;
  std::vector<double> g(size);
  double total = 0.0;
  for (std::int64_t i = 0; i < size; ++i) {
    double x = -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(size - 1);
    g[i] = std::exp(-(x * x) / (2.0 * sigma * sigma));
    total += g[i];
  }
  std::vector<float> taps(size);
  for (std::int64_t i = 0; i < size; ++i) {
    taps[i] = static_cast<float>(g[i] / total);
  }
  return taps;
}

actors::result<tensor_ptr> gaussian_blur(const tensor& image, std::int64_t radius,
                                         double sigma) {
  DROVER_TRY(out, blur_into_new(image, radius, sigma));
  return tensor_ptr{std::move(out)};
}

actors::result<tensor_ptr> sharpen(const tensor& image, std::int64_t radius, double sigma,
                                   double alpha) {
  DROVER_TRY(out, blur_into_new(image, radius, sigma));
  const auto gain = static_cast<float>(alpha * 10.0);
  const float* in = image.data();
  float* dst = out->data();
  for (std::size_t i = 0; i < out->size(); ++i) {
    dst[i] = std::clamp((1.0f + gain) * in[i] - gain * dst[i], 0.0f, 1.0f);
  }
  return tensor_ptr{std::move(out)};
}

}  // namespace drover::worker
