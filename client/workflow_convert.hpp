#pragma once

// Converts the workflow files that ComfyUI's editor saves (`nodes`, `links`)
// into the API format that POST /prompt takes, as ComfyUI's frontend does
// when it queues a graph (graphToPrompt): widget values become inputs,
// links become [node_id, slot] pairs, Reroute and PrimitiveNode are resolved,
// muted nodes are dropped and bypassed nodes are passed through.

#include "actors/json.hpp"
#include "actors/result.hpp"

namespace drover::client {

/// True when `workflow` looks like an editor file: an object with a `nodes`
/// array. API-format prompts are objects of node ids to `class_type` objects.
bool is_editor_format(const json& workflow);

/// Converts an editor file into an API-format prompt. `object_info` is the
/// farm's answer to GET /object_info; it names each class's widget inputs in
/// order. Nodes come out in dependency order, each with `inputs`,
/// `class_type` and `_meta.title`.
///
/// Fails with errc::invalid_input, naming the node id and class, on a node
/// that cannot be converted: a class `object_info` does not list, a subgraph
/// or group node, a link to a node that is not in the file, or links that
/// loop through reroutes.
actors::result<json> editor_to_api(const json& editor, const json& object_info);

}  // namespace drover::client
