#pragma once

#include <string>

#include "actors/result.hpp"

namespace drover::gateway {

/// `POST /upload/mask`'s image step (comfyui-protocol.md §5.4): the alpha of
/// `mask_png` laid onto `original_png`, as an RGBA PNG that keeps the
/// original's text chunks. A mask without alpha is fully opaque, as PIL's
/// convert("RGBA") makes it. Fails with errc::invalid_input when either is
/// not a PNG or their sizes differ.
actors::result<std::string> apply_mask(const std::string& original_png,
                                       const std::string& mask_png);

}  // namespace drover::gateway
