#pragma once

#include <cstdint>

#include "actors/result.hpp"
#include "worker/tensor.hpp"

namespace drover::worker {

/// Resizes an IMAGE tensor [B, H, W, C] to `width` x `height` as ComfyUI's
/// `comfy.utils.lanczos` does: each image goes to 8 bits (x * 255 clamped to
/// 0..255, truncated), through Pillow's LANCZOS resampling (support 3,
/// fixed-point coefficients, a horizontal pass then a vertical one with an
/// 8-bit image between them) and back as v / 255. An axis whose size does not
/// change is not resampled, as in Pillow. Four channels are RGBA, resampled
/// premultiplied by alpha as Pillow's RGBa mode (unless the size is
/// unchanged); any other count has each channel resampled on its own
/// (Pillow itself would refuse one or two channels shaped [H, W, C]).
/// Fails with errc::invalid_input for a tensor that is not rank 4 or a
/// non-positive size, and when the output would exceed the tensor budget.
actors::result<tensor_ptr> lanczos_resize(const tensor& image, std::int64_t width,
                                          std::int64_t height);

}  // namespace drover::worker
