#pragma once

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers the geometric classes of ComfyUI's comfy_extras/nodes_images.py
/// that drover runs natively: ImageCrop, ImageFlip, ImageRotate, ImageStitch
/// and ResizeAndPadImage, with ComfyUI v0.8.0's inputs, limits and outputs.
actors::result<void> register_transform_nodes(node_registry& registry);

}  // namespace drover::worker
