#include "worker/image_bislerp.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace drover::worker {

namespace {

/// Where output index `dst` of one axis reads: its two source indices and
/// the weight of the second.
struct source_pair {
  std::int64_t first = 0;
  std::int64_t second = 0;
  float ratio = 0.0f;
};

/// ComfyUI finds the pairs by bilinearly resizing the index ramps 0..n-1
/// (first) and 1..n-1, n-1 (second) with torch, then truncating; the ratio is
/// the fraction of the first. The ramp values are rebuilt here with torch's
/// float arithmetic, since an index that lands a rounding step below a whole
/// number truncates to the one before.
std::vector<source_pair> source_pairs(std::int64_t in, std::int64_t out) {
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  auto second_ramp = [in](std::int64_t i) {
    return static_cast<float>(i + 1 < in ? i + 1 : in - 1);
  };
  std::vector<source_pair> pairs;
  for (std::int64_t dst = 0; dst < out; ++dst) {
    const float src = std::max(scale * (static_cast<float>(dst) + 0.5f) - 0.5f, 0.0f);
    const auto i0 = std::min(static_cast<std::int64_t>(src), in - 1);
    const auto i1 = i0 < in - 1 ? i0 + 1 : i0;
    const float lambda1 = src - static_cast<float>(i0);
    const float lambda0 = 1.0f - lambda1;
    const float first =
        static_cast<float>(i0) * lambda0 + static_cast<float>(i1) * lambda1;
    const float second = second_ramp(i0) * lambda0 + second_ramp(i1) * lambda1;
    pairs.push_back({std::min(static_cast<std::int64_t>(first), in - 1),
                     std::min(static_cast<std::int64_t>(second), in - 1),
                     first - std::floor(first)});
  }
  return pairs;
}

/// comfy's slerp of the C-vectors `a` and `b` by `r`, into `out`.
void slerp(const float* a, const float* b, float r, std::int64_t c, float* out) {
  float norm_a = 0.0f, norm_b = 0.0f;
  for (std::int64_t k = 0; k < c; ++k) {
    norm_a += a[k] * a[k];
    norm_b += b[k] * b[k];
  }
  norm_a = std::sqrt(norm_a);
  norm_b = std::sqrt(norm_b);

  // A zero vector has no direction: its unit vector counts as zero.
  auto unit = [](float v, float norm) {
    return norm == 0.0f ? 0.0f : v / norm;
  };
  float dot = 0.0f;
  for (std::int64_t k = 0; k < c; ++k) {
    dot += unit(a[k], norm_a) * unit(b[k], norm_b);
  }

  if (dot > static_cast<float>(1 - 1e-5)) {
    std::copy_n(a, c, out);
    return;
  }
  if (dot < static_cast<float>(1e-5 - 1)) {
    for (std::int64_t k = 0; k < c; ++k) {
      out[k] = a[k] * (1.0f - r) + b[k] * r;
    }
    return;
  }
  const float omega = std::acos(dot);
  const float so = std::sin(omega);
  const float weight_a = std::sin((1.0f - r) * omega) / so;
  const float weight_b = std::sin(r * omega) / so;
  const float length = norm_a * (1.0f - r) + norm_b * r;
  for (std::int64_t k = 0; k < c; ++k) {
    out[k] = (weight_a * unit(a[k], norm_a) + weight_b * unit(b[k], norm_b)) * length;
  }
}

}  // namespace

actors::result<tensor_ptr> bislerp_resize(const tensor& image, std::int64_t width,
                                          std::int64_t height) {
  const auto batch = image.dim(0), in_h = image.dim(1), in_w = image.dim(2),
             c = image.dim(3);

  // Along x: each row of the batch to `width` pixels.
  const auto xs = source_pairs(in_w, width);
  DROVER_TRY(along_x, tensor::allocate({batch, in_h, width, c}));
  for (std::int64_t row = 0; row < batch * in_h; ++row) {
    const float* src = image.data() + row * in_w * c;
    float* dst = along_x->data() + row * width * c;
    for (std::int64_t x = 0; x < width; ++x) {
      const auto& p = xs[static_cast<std::size_t>(x)];
      slerp(src + p.first * c, src + p.second * c, p.ratio, c, dst + x * c);
    }
  }

  // Along y: each column of that result to `height` pixels.
  const auto ys = source_pairs(in_h, height);
  DROVER_TRY(out, tensor::allocate({batch, height, width, c}));
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* plane = along_x->data() + b * in_h * width * c;
    for (std::int64_t y = 0; y < height; ++y) {
      const auto& p = ys[static_cast<std::size_t>(y)];
      float* dst = out->data() + (b * height + y) * width * c;
      for (std::int64_t x = 0; x < width; ++x) {
        slerp(plane + (p.first * width + x) * c, plane + (p.second * width + x) * c,
              p.ratio, c, dst + x * c);
      }
    }
  }
  return tensor_ptr{std::move(out)};
}

}  // namespace drover::worker
