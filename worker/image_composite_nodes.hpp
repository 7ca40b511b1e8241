#pragma once

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers ComfyUI's ImagePadForOutpaint (nodes.py) and ImageCompositeMasked
/// (comfy_extras/nodes_mask.py), with ComfyUI v0.8.0's inputs, limits and
/// outputs.
actors::result<void> register_composite_nodes(node_registry& registry);

}  // namespace drover::worker
