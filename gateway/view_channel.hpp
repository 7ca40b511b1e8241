#pragma once

#include <map>
#include <string>

namespace drover::gateway {

/// The body and content type `GET /view` answers for a stored file.
struct view_body {
  std::string content_type;
  std::string bytes;
};

/// Applies `/view`'s `channel` and `preview` to a stored file
/// (comfyui-protocol.md §5.3). Without `preview`, `channel=rgb` answers a PNG
/// without alpha, `a` an RGBA PNG holding only the alpha (black, opaque where
/// the file has no alpha), anything else the file as stored, typed by its
/// extension. `preview=jpeg[;quality]` (no `a` in `channel`) answers an RGB
/// JPEG at that quality, 90 by default; any other `preview` a lossy WebP at
/// that quality, keeping alpha unless `channel=rgb`. A WebP is read at its
/// first frame. A file that is neither PNG, JPEG nor WebP is answered as
/// stored.
view_body render_view(std::string stored, const std::string& filename,
                      const std::map<std::string, std::string>& query);

}  // namespace drover::gateway
