#pragma once

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers ComfyUI v0.8.0's mask classes (comfy_extras.nodes_mask):
/// SolidMask, InvertMask, ImageToMask, MaskToImage, ThresholdMask, CropMask,
/// GrowMask and FeatherMask, and the alpha classes of
/// comfy_extras.nodes_compositing: JoinImageWithAlpha and SplitImageWithAlpha.
/// A MASK input of rank 2 or 3 is read as ComfyUI reshapes it, [-1, H, W].
actors::result<void> register_mask_nodes(node_registry& registry);

}  // namespace drover::worker
