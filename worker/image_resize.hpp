#pragma once

#include <cstdint>
#include <string_view>

#include "actors/result.hpp"
#include "worker/tensor.hpp"

namespace drover::worker {

/// Resizes an IMAGE tensor [B, H, W, C] to `width` x `height` the way ComfyUI's
/// `comfy.utils.common_upscale` does: an optional centre crop to the target
/// aspect ratio (`crop` = "disabled" or "center"), then torch's
/// `interpolate` (align_corners=False, no antialiasing) for "nearest-exact",
/// "bilinear", "bicubic" and "area", Pillow's LANCZOS on 8-bit images for
/// "lanczos" (see lanczos_resize), or comfy's spherical interpolation across
/// channels for "bislerp" (see bislerp_resize). Fails with
/// errc::invalid_input for an unknown method or crop.
actors::result<tensor_ptr> resize_image(const tensor& image, std::int64_t width,
                                        std::int64_t height, std::string_view method,
                                        std::string_view crop);

}  // namespace drover::worker
