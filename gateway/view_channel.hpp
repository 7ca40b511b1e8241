#pragma once

#include <map>
#include <string>

namespace drover::gateway {

/// The body and content type `GET /view` answers for a stored file.
struct view_body {
  std::string content_type;
  std::string bytes;
};

/// Applies `/view`'s `channel` to a stored file (comfyui-protocol.md §5.3):
/// `rgb` answers a PNG without alpha, `a` an RGBA PNG holding only the
/// alpha (black, opaque where the file has no alpha), anything else the
/// file as stored, typed by its extension. `preview=jpeg[;quality]` (no `a`
/// in `channel`) answers an RGB JPEG at that quality, 90 by default. Any
/// other `preview` asks for WebP, which drover does not encode yet: it
/// answers the PNG that `channel` would, typed image/png. A file that is
/// neither PNG nor JPEG is answered as stored.
view_body render_view(std::string stored, const std::string& filename,
                      const std::map<std::string, std::string>& query);

}  // namespace drover::gateway
