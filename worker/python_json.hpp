#pragma once

#include <string>

#include "actors/json.hpp"

namespace drover::worker {

/// `value` written the way Python's `json.dumps` writes it with default
/// arguments: `", "` and `": "` separators, non-ASCII escaped as `\uXXXX`,
/// keys in the object's order. ComfyUI embeds prompts in PNG files this way,
/// and tools that read the metadata back compare text.
std::string python_json_dumps(const json& value);

/// `value` as `json.dumps(value, indent=indent)` writes it: each element of a
/// non-empty list or dict on its own line, `indent` spaces deeper per level,
/// `","` after each element but the last; empty containers stay `[]` and `{}`.
std::string python_json_dumps(const json& value, int indent);

}  // namespace drover::worker
