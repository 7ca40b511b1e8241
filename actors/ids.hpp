#pragma once

#include <string>

namespace drover::actors {

/// A random version-4 UUID in canonical lowercase form with hyphens, as
/// ComfyUI assigns prompt ids. Thread-safe.
std::string new_uuid();

/// A random version-4 UUID as 32 lowercase hex digits without hyphens, as
/// ComfyUI assigns WebSocket client ids. Thread-safe.
std::string new_hex_id();

}  // namespace drover::actors
