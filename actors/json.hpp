#pragma once

#include <nlohmann/json.hpp>

namespace drover {

/// drover's JSON value. Objects keep their insertion order, because ComfyUI's
/// scheduling follows the order in which a prompt lists its nodes and inputs.
/// Integers keep full 64-bit range, signed and unsigned (seeds reach 2^64-1).
using json = nlohmann::ordered_json;

}  // namespace drover
