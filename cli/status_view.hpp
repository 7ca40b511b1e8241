#pragma once

// The text `drover status` prints for a farm status (GET /drover/status,
// docs/status.md): a header, a table of workers, recent failures. A pure
// function of its input, so that the layout is tested without a farm.

#include <cstdint>
#include <string>

#include "actors/json.hpp"

namespace drover::cli {

/// Renders `status`. Fields missing or of another type print as `-`; the
/// function never throws on a well-formed JSON value of any shape.
std::string render_status(const json& status);

}  // namespace drover::cli
