#pragma once

#include <cstdint>

#include "actors/result.hpp"
#include "worker/tensor.hpp"

namespace drover::worker {

/// Resizes `image` [B, H, W, C] to `width` x `height` as ComfyUI's
/// `comfy.utils.bislerp` does a latent's channels: along x, then along y, each
/// output pixel is the spherical interpolation of its two bilinear source
/// pixels taken as C-vectors (directions slerped, lengths blended linearly),
/// with torch's bilinear positions (align_corners=False) as the sources and
/// ratios. Pixels that point the same way give the first source unchanged;
/// opposite ones a linear blend. Computes in float32 as ComfyUI does. Fails
/// only when the output cannot be allocated.
actors::result<tensor_ptr> bislerp_resize(const tensor& image, std::int64_t width,
                                          std::int64_t height);

}  // namespace drover::worker
