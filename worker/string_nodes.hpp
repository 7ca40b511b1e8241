#pragma once

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers ComfyUI v0.8.0's StringConcatenate, StringReplace and RegexReplace
/// (comfy_extras.nodes_string), with Python's str and re semantics.
actors::result<void> register_string_nodes(node_registry& registry);

}  // namespace drover::worker
