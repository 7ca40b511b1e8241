#pragma once

#include <string>

#include "actors/json.hpp"

namespace drover::worker {

/// `value` written the way Python's `json.dumps` writes it with default
/// arguments: `", "` and `": "` separators, non-ASCII escaped as `\uXXXX`,
/// keys in the object's order. ComfyUI embeds prompts in PNG files this way,
/// and tools that read the metadata back compare text.
std::string python_json_dumps(const json& value);

}  // namespace drover::worker
