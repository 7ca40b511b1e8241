#pragma once

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers ComfyUI v0.8.0's image batch classes: ImageBatch (nodes, deprecated
/// there), ImageFromBatch, RepeatImageBatch and GetImageSize
/// (comfy_extras.nodes_images). GetImageSize also sends its size as the node's
/// display text (node_environment::text), as ComfyUI's send_progress_text does.
actors::result<void> register_batch_nodes(node_registry& registry);

}  // namespace drover::worker
