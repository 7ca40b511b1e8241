#pragma once

#include <map>
#include <string>
#include <string_view>

#include "actors/store_protocol.hpp"

namespace drover::gateway {

/// What `GET /view` does with its query, by ComfyUI's rules
/// (comfyui-protocol.md §5.3): either refuse with `status`, or fetch `file`.
struct view_decision {
  unsigned status = 0;  ///< 0: fetch `file`; otherwise the bare status to answer
  actors::store_file file;
};

/// Applies the rules in ComfyUI's order: no `filename` → 404; an annotated
/// `name.png [output]` picks the folder; empty name, leading `/` or `..` →
/// 400; a type other than output/input/temp → 400; a subfolder leaving its
/// folder → 403. The base name of `filename` is what is fetched.
view_decision decide_view(const std::map<std::string, std::string>& query);

/// The content type ComfyUI would send for `filename`; html, js and css are
/// forced to application/octet-stream so that a stored file never runs as
/// a page of the gateway's origin.
std::string content_type_for(std::string_view filename);

}  // namespace drover::gateway
