#include "worker/image_filters.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "worker/image_row_kernels.hpp"

namespace drover::worker {

namespace {

std::int64_t reflect(std::int64_t i, std::int64_t n) {
  if (i < 0) {
    return -i;
  }
  return i >= n ? 2 * (n - 1) - i : i;
}

/// Blurs one row along x: `padded` receives the row with `r` reflected
/// pixels on each side, and output i sums taps t over padded[t * c + i].
void blur_row(const float* row, std::int64_t w, std::int64_t c,
              const std::vector<float>& k, std::vector<float>& padded,
              const std::vector<const float*>& taps, float* out) {
  const auto r = static_cast<std::int64_t>(k.size() / 2);
  std::copy_n(row, w * c, padded.data() + r * c);
  for (std::int64_t x = 1; x <= r; ++x) {
    std::copy_n(row + x * c, c, padded.data() + (r - x) * c);
    std::copy_n(row + (w - 1 - x) * c, c, padded.data() + (r + w - 1 + x) * c);
  }
  weighted_row_sum(taps.data(), k.data(), k.size(), w * c, out);
}

/// Blurs one image [h, w, c] into `dst`, along x then along y, and calls
/// `finish(y, row)` on each output row while it is still in cache. Rows
/// blurred along x wait in a ring of 2r + 1 slots, the window one output
/// row reads (reflection only revisits rows of that window), so each is
/// blurred once and the image is never held twice.
template <class finish_row>
void blur_image(const float* src, float* dst, std::int64_t h, std::int64_t w,
                std::int64_t c, const std::vector<float>& k, finish_row finish) {
  const auto r = static_cast<std::int64_t>(k.size() / 2), row_len = w * c;
  const auto slots = static_cast<std::int64_t>(k.size());
  std::vector<float> padded((w + 2 * r) * c);
  std::vector<const float*> along_x(k.size());
  for (std::size_t t = 0; t < k.size(); ++t) {
    along_x[t] = padded.data() + t * c;
  }
  std::vector<float> ring(slots * row_len);
  std::vector<std::int64_t> held(slots, -1);
  std::vector<const float*> along_y(k.size());
  for (std::int64_t y = 0; y < h; ++y) {
    for (std::int64_t t = 0; t < slots; ++t) {
      const auto sy = reflect(y + t - r, h), slot = sy % slots;
      float* row = ring.data() + slot * row_len;
      if (held[slot] != sy) {
        blur_row(src + sy * row_len, w, c, k, padded, along_x, row);
        held[slot] = sy;
      }
      along_y[t] = row;
    }
    float* out = dst + y * row_len;
    weighted_row_sum(along_y.data(), k.data(), k.size(), row_len, out);
    finish(y, out);
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

/// The blurred image; `finish(offset, row)` sees each output row right after
/// it is blurred, `offset` being the index of its first value in the tensor.
template <class finish_row>
actors::result<tensor_ptr> blur_each_row(const tensor& image, std::int64_t radius,
                                         double sigma, finish_row finish) {
  DROVER_TRYV(check_blur(image, radius, sigma));
  const auto batch = image.dim(0), h = image.dim(1), w = image.dim(2), c = image.dim(3);
  DROVER_TRY(out, tensor::allocate(image.shape()));
  auto k = gaussian_taps(radius, sigma);
  for (std::int64_t b = 0; b < batch; ++b) {
    const auto offset = b * h * w * c;
    blur_image(image.data() + offset, out->data() + offset, h, w, c, k,
               [&](std::int64_t y, float* row) { finish(offset + y * w * c, row); });
  }
  return tensor_ptr{std::move(out)};
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
  return blur_each_row(image, radius, sigma, [](std::size_t, float*) {});
}

actors::result<tensor_ptr> sharpen(const tensor& image, std::int64_t radius, double sigma,
                                   double alpha) {
  const auto gain = static_cast<float>(alpha * 10.0);
  const std::size_t row_len = image.rank() == 4 ? image.dim(2) * image.dim(3) : 0;
  return blur_each_row(image, radius, sigma, [&](std::size_t offset, float* row) {
    const float* in = image.data() + offset;
    for (std::size_t i = 0; i < row_len; ++i) {
      row[i] = std::clamp((1.0f + gain) * in[i] - gain * row[i], 0.0f, 1.0f);
    }
  });
}

}  // namespace drover::worker
