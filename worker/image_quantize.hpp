#pragma once

#include <string_view>

#include "actors/result.hpp"
#include "worker/tensor.hpp"

namespace drover::worker {

/// ComfyUI's ImageQuantize on a [B, H, W, 3] image, pixel-equal to ComfyUI
/// v0.8.0 running Pillow 12. Each batch image, independently:
///  - becomes bytes as torch's `(x * 255).to(uint8)` makes them (float32
///    product, truncated; out-of-range values wrap as torch's CPU cast does);
///  - gets a palette of at most `colors` entries from Pillow's median cut
///    (`Image.quantize(colors)`: box averages, no k-means);
///  - has each pixel replaced by the palette entry Pillow's palette mapping
///    picks, after Floyd–Steinberg error diffusion (`floyd-steinberg`),
///    ComfyUI's ordered dither (`bayer-2`, `-4`, `-8`, `-16`) or none (`none`);
///  - comes back as float32 byte / 255.
/// Returns a new tensor of the input's shape. Fails with errc::invalid_input
/// for an unknown dither, `colors` outside 1..256 or a tensor that is not
/// [B, H, W, 3] (the node reports ComfyUI's own errors for those shapes).
actors::result<tensor_ptr> quantize_image(const tensor& image, int colors,
                                          std::string_view dither);

}  // namespace drover::worker
