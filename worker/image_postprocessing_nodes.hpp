#pragma once

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers the classes of ComfyUI's comfy_extras/nodes_post_processing.py
/// that drover runs natively: ImageBlur, ImageSharpen, ImageBlend,
/// ImageQuantize and ImageScaleToTotalPixels, with ComfyUI v0.8.0's inputs,
/// limits and outputs.
actors::result<void> register_postprocessing_nodes(node_registry& registry);

}  // namespace drover::worker
