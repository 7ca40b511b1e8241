#pragma once

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers ComfyUI v0.8.0's constants (comfy_extras.nodes_primitive:
/// PrimitiveInt, PrimitiveFloat, PrimitiveBoolean, PrimitiveString,
/// PrimitiveStringMultiline), which pass their widget through, and PreviewAny
/// (comfy_extras.nodes_preview_any), the output node that shows any value as
/// text in its `ui`.
actors::result<void> register_primitive_nodes(node_registry& registry);

}  // namespace drover::worker
