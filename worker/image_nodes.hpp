#pragma once

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers ComfyUI's EmptyImage, ImageInvert, ImageScale and ImageScaleBy,
/// with the same class names, inputs, defaults, limits and outputs as ComfyUI
/// v0.8.0.
actors::result<void> register_image_nodes(node_registry& registry);

}  // namespace drover::worker
