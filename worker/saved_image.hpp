#pragma once

#include <cstdint>
#include <vector>

#include "actors/result.hpp"
#include "worker/node_environment.hpp"
#include "worker/png_codec.hpp"
#include "worker/tensor.hpp"

namespace drover::worker {

/// 8-bit pixels of image `index` of a [B, H, W, C] tensor, as ComfyUI makes
/// them before saving: `np.clip(255. * x, 0, 255).astype(np.uint8)`, which
/// truncates (NaN becomes 0). Fails with errc::invalid_input, in ComfyUI's
/// words, for a tensor that is not a batch of 1 to 4 channel images.
actors::result<pixels8> to_pixels(const tensor& images, std::int64_t index);

/// The metadata every saved image carries, as ComfyUI writes it: `prompt`
/// (the submitted prompt) and one entry per key of `extra_pnginfo`, each as
/// Python's `json.dumps` text.
std::vector<png_text> prompt_metadata(node_environment& env);

}  // namespace drover::worker
