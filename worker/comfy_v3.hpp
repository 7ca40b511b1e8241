#pragma once

#include <vector>

#include "actors/json.hpp"
#include "worker/node_definition.hpp"

namespace drover::worker {

/// Gives `definition` the object_info fields that ComfyUI adds to a node written
/// against its V3 schema (`comfy_api.latest.io`): `api_node`, `deprecated`,
/// `experimental` false, `output_matchtypes` null, and a null `display_name`
/// when the class names none. Call after setting the definition's fields.
void mark_v3(node_definition& definition);

/// The type and options of a V3 combo input: `["COMBO", {"multiselect": false,
/// "options": [...]}]` in object_info. Pass `.first` and `.second` to `required`.
std::pair<json, json> v3_combo(std::vector<std::string> options);

/// V3's hidden input `unique_id`, listed as `["UNIQUE_ID"]` in object_info.
void add_v3_unique_id(node_definition& definition);

}  // namespace drover::worker
