#include "worker/image_lanczos.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace drover::worker {

namespace {

// Pillow keeps 22 fractional bits so that 8-bit sums fit in 32 bits.
constexpr int precision_bits = 32 - 8 - 2;
constexpr double lanczos_support = 3.0;
constexpr double pi = 3.14159265358979323846;

double sinc(double x) {
  if (x == 0.0) {
    return 1.0;
  }
  x *= pi;
  return std::sin(x) / x;
}

double lanczos(double x) {
  return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0;
}

/// Fixed-point weights of one axis: output `i` reads `count[i]` samples from
/// `first[i]` with weights `weight[i * ksize ...]`.
struct axis_weights {
  std::vector<std::int32_t> first;
  std::vector<std::int32_t> count;
  std::vector<std::int32_t> weight;
  std::int64_t ksize = 0;
};

axis_weights make_weights(std::int64_t in_size, std::int64_t out_size) {
  double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  double filter_scale = std::max(scale, 1.0);
  double support = lanczos_support * filter_scale;
  axis_weights a;
  a.ksize = static_cast<std::int64_t>(std::ceil(support)) * 2 + 1;
  a.first.resize(out_size);
  a.count.resize(out_size);
  a.weight.assign(out_size * a.ksize, 0);

  std::vector<double> k(a.ksize);
  for (std::int64_t i = 0; i < out_size; ++i) {
    double center = (static_cast<double>(i) + 0.5) * scale;
    auto lo = std::max(0, static_cast<int>(center - support + 0.5));
    auto hi =
        std::min(static_cast<int>(in_size), static_cast<int>(center + support + 0.5));
    int n = hi - lo;
    double total = 0.0;
    for (int x = 0; x < n; ++x) {
      k[x] = lanczos((x + lo - center + 0.5) / filter_scale);
      total += k[x];
    }
    for (int x = 0; x < n; ++x) {
      double w = total != 0.0 ? k[x] / total : k[x];
      double fixed = w * (1 << precision_bits);
      a.weight[i * a.ksize + x] =
          static_cast<std::int32_t>(w < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    a.first[i] = lo;
    a.count[i] = n;
  }
  return a;
}

std::uint8_t clip8(std::int32_t sum) {
  return static_cast<std::uint8_t>(std::clamp(sum >> precision_bits, 0, 255));
}

/// Resamples rows of `src` (h x in_w x c bytes) along x into `dst`.
void horizontal(const std::uint8_t* src, std::uint8_t* dst, std::int64_t h,
                std::int64_t in_w, std::int64_t c, const axis_weights& a,
                std::int64_t out_w) {
  for (std::int64_t y = 0; y < h; ++y) {
    const std::uint8_t* row = src + y * in_w * c;
    std::uint8_t* out = dst + y * out_w * c;
    for (std::int64_t x = 0; x < out_w; ++x) {
      const std::int32_t* k = &a.weight[x * a.ksize];
      const std::uint8_t* at = row + static_cast<std::int64_t>(a.first[x]) * c;
      for (std::int64_t ch = 0; ch < c; ++ch) {
        std::int32_t sum = 1 << (precision_bits - 1);
        for (std::int32_t t = 0; t < a.count[x]; ++t) {
          sum += at[t * c + ch] * k[t];
        }
        out[x * c + ch] = clip8(sum);
      }
    }
  }
}

/// Resamples `src` (in_h rows of `row_len` bytes) along y into `dst`.
void vertical(const std::uint8_t* src, std::uint8_t* dst, std::int64_t row_len,
              const axis_weights& a, std::int64_t out_h) {
  std::vector<std::int32_t> sum(row_len);
  for (std::int64_t y = 0; y < out_h; ++y) {
    std::fill(sum.begin(), sum.end(), 1 << (precision_bits - 1));
    for (std::int32_t t = 0; t < a.count[y]; ++t) {
      const std::uint8_t* row = src + (a.first[y] + t) * row_len;
      std::int32_t k = a.weight[y * a.ksize + t];
      for (std::int64_t i = 0; i < row_len; ++i) {
        sum[i] += row[i] * k;
      }
    }
    for (std::int64_t i = 0; i < row_len; ++i) {
      dst[y * row_len + i] = clip8(sum[i]);
    }
  }
}

void to_bytes(const float* src, std::uint8_t* dst, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    // numpy: clip(255. * x, 0, 255) in float32, then astype(uint8) truncates.
    float v = 255.0f * src[i];
    v = v > 0.0f ? std::min(v, 255.0f) : 0.0f;
    dst[i] = static_cast<std::uint8_t>(v);
  }
}

// Pillow resamples RGBA as premultiplied RGBa: c * a / 255, rounded its way.
void premultiply(std::uint8_t* px, std::size_t pixels) {
  for (std::size_t i = 0; i < pixels; ++i, px += 4) {
    for (int ch = 0; ch < 3; ++ch) {
      unsigned t = px[ch] * unsigned{px[3]} + 128;
      px[ch] = static_cast<std::uint8_t>(((t >> 8) + t) >> 8);
    }
  }
}

// And back: c * 255 / a, truncated and clipped; alpha 0 and 255 as they are.
void unpremultiply(std::uint8_t* px, std::size_t pixels) {
  for (std::size_t i = 0; i < pixels; ++i, px += 4) {
    const unsigned alpha = px[3];
    if (alpha == 0 || alpha == 255) {
      continue;
    }
    for (int ch = 0; ch < 3; ++ch) {
      px[ch] = static_cast<std::uint8_t>(std::min(255u, 255u * px[ch] / alpha));
    }
  }
}

}  // namespace

actors::result<tensor_ptr> lanczos_resize(const tensor& image, std::int64_t width,
                                          std::int64_t height) {
  if (image.rank() != 4 || width <= 0 || height <= 0) {
    return actors::fail(actors::errc::invalid_input,
                        "cannot resize a tensor of shape " + image.shape_string());
  }
  const auto batch = image.dim(0), in_h = image.dim(1), in_w = image.dim(2),
             c = image.dim(3);
  DROVER_TRY(out, tensor::allocate({batch, height, width, c}));
  auto xs = make_weights(in_w, width);
  auto ys = make_weights(in_h, height);
  bool along_x = width != in_w, along_y = height != in_h;

  std::vector<std::uint8_t> bytes(in_h * in_w * c);
  std::vector<std::uint8_t> mid(along_x ? in_h * width * c : 0);
  std::vector<std::uint8_t> done(height * width * c);
  for (std::int64_t b = 0; b < batch; ++b) {
    to_bytes(image.data() + b * in_h * in_w * c, bytes.data(), bytes.size());
    const bool rgba = c == 4 && (along_x || along_y);
    if (rgba) {
      premultiply(bytes.data(), bytes.size() / 4);
    }
    std::uint8_t* rows = bytes.data();
    if (along_x) {
      horizontal(rows, mid.data(), in_h, in_w, c, xs, width);
      rows = mid.data();
    }
    if (along_y) {
      vertical(rows, done.data(), width * c, ys, height);
      rows = done.data();
    }
    if (rgba) {
      unpremultiply(rows, done.size() / 4);
    }
    float* dst = out->data() + b * height * width * c;
    for (std::size_t i = 0; i < done.size(); ++i) {
      dst[i] = static_cast<float>(rows[i]) / 255.0f;
    }
  }
  return tensor_ptr{std::move(out)};
}

}  // namespace drover::worker
