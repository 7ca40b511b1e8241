#pragma once

#include <string_view>

#include "actors/result.hpp"
#include "worker/tensor.hpp"

namespace drover::worker {

/// ComfyUI's ImageBlend: `image2` is first given image1's channel count
/// (node_helpers.image_alpha_fix: extra channels dropped, or an opaque alpha
/// added to image1) and, when the shapes still differ, resized bicubic with a
/// centre crop to image1's size; then each value is
/// clamp(a * (1 - factor) + mode(a, b) * factor, 0, 1) in float32, with mode
/// one of normal, multiply, screen, overlay, soft_light, difference (a - b,
/// unsigned only through the clamp). Batches of 1 broadcast against others.
/// Fails with errc::invalid_input for an unknown mode or a non-image tensor,
/// errc::execution when the batches or channels cannot broadcast (as torch).
actors::result<tensor_ptr> blend_images(const tensor& image1, const tensor& image2,
                                        double factor, std::string_view mode);

}  // namespace drover::worker
