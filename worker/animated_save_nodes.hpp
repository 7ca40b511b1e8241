#pragma once

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers ComfyUI v0.8.0's animated savers (comfy_extras.nodes_images). Each
/// writes the batch as one file of the output folder, frames int(1000 / fps) ms
/// apart, with the prompt and extra_pnginfo: SaveAnimatedPNG as an APNG with
/// `comf` chunks, SaveAnimatedWEBP with libwebp as Pillow writes it (a batch of
/// one as a still WebP) with EXIF text fields.
actors::result<void> register_animated_save_nodes(node_registry& registry);

}  // namespace drover::worker
