#pragma once

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers ComfyUI v0.8.0's SaveAnimatedPNG (comfy_extras.nodes_images): the
/// batch as one animated PNG in the output folder, frames int(1000 / fps) ms
/// apart, the prompt and extra_pnginfo in `comf` chunks.
/// TODO(#3): SaveAnimatedWEBP, which needs libwebp.
actors::result<void> register_animated_save_nodes(node_registry& registry);

}  // namespace drover::worker
