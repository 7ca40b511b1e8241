#pragma once

#include <cstdint>
#include <vector>

#include "actors/result.hpp"
#include "worker/tensor.hpp"

namespace drover::worker {

/// The 1-D factor of ComfyUI's `gaussian_kernel(radius * 2 + 1, sigma)`: taps
/// at linspace(-1, 1, size) weighted exp(-x^2 / (2 sigma^2)), summing to one.
/// ComfyUI builds the 2-D kernel from the distance to the centre; that kernel
/// is the outer product of this one with itself, up to float rounding.
std::vector<float> gaussian_taps(std::int64_t radius, double sigma);

/// ComfyUI's ImageBlur on an IMAGE [B, H, W, C]: each channel convolved with
/// the gaussian of `radius` and `sigma` over a reflect-padded border, as two
/// separable passes. Fails with errc::invalid_input when the tensor is not
/// rank 4, `radius` < 1 or `sigma` is not a positive number, and with
/// errc::execution (RuntimeError) when `radius` is not below both height and
/// width, as torch's reflect padding refuses it.
actors::result<tensor_ptr> gaussian_blur(const tensor& image, std::int64_t radius,
                                         double sigma);

/// ComfyUI's ImageSharpen: the kernel -10 alpha * gaussian with its centre
/// raised so that it sums to one, i.e. (1 + 10 alpha) x - 10 alpha blur(x),
/// clamped to 0..1. Fails as gaussian_blur does.
actors::result<tensor_ptr> sharpen(const tensor& image, std::int64_t radius, double sigma,
                                   double alpha);

}  // namespace drover::worker
