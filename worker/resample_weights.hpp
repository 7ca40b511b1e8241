#pragma once

// Pillow's 8-bit resampling (its Resample.c): the fixed-point convolution
// weights and the RGBa premultiplication it resamples RGBA in, shared by the
// resizers that must give Pillow's pixels: ImageScale's lanczos and the
// progress previews.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace drover::worker {

/// Pillow keeps 22 fractional bits so that 8-bit sums fit in 32 bits.
constexpr int resample_precision_bits = 32 - 8 - 2;

/// The filters drover needs, with Pillow's supports: bilinear (a triangle,
/// support 1) and Lanczos (support 3).
enum class resample_filter { bilinear, lanczos };

/// Fixed-point weights of one axis: output `i` reads `count[i]` samples from
/// `first[i]` with weights `weight[i * ksize ...]`.
struct axis_weights {
  std::vector<std::int32_t> first;
  std::vector<std::int32_t> count;
  std::vector<std::int32_t> weight;
  std::int64_t ksize = 0;
};

/// The weights of resampling `in_size` samples to `out_size` (both > 0) with
/// `filter`, as Pillow computes and rounds them; the filter widens with the
/// scale when shrinking.
axis_weights make_weights(std::int64_t in_size, std::int64_t out_size,
                          resample_filter filter);

/// A rounded fixed-point sum shifted back and clipped to 0..255.
inline std::uint8_t clip8(std::int32_t sum) {
  sum >>= resample_precision_bits;
  return static_cast<std::uint8_t>(sum < 0 ? 0 : sum > 255 ? 255 : sum);
}

/// One output sample: Pillow's rounded fixed-point sum over `n` taps of
/// `at`, `stride` bytes apart, with weights `k`.
inline std::uint8_t weighted_sum(const std::uint8_t* at, const std::int32_t* k,
                                 std::int32_t n, std::int64_t stride) {
  std::int32_t sum = 1 << (resample_precision_bits - 1);
  for (std::int32_t t = 0; t < n; ++t) {
    sum += at[t * stride] * k[t];
  }
  return clip8(sum);
}

/// Pillow's RGBA → RGBa on `pixels` pixels of 4 bytes: c * a / 255, rounded
/// as its MULDIV255.
void premultiply(std::uint8_t* px, std::size_t pixels);

/// And back: c * 255 / a, truncated and clipped; alpha 0 and 255 as they are.
void unpremultiply(std::uint8_t* px, std::size_t pixels);

}  // namespace drover::worker
