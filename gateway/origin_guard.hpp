#pragma once

#include <string_view>

namespace drover::gateway {

/// ComfyUI's default guard against cross-site requests to a local server
/// (comfyui-protocol.md §1): true, meaning "answer 403", when the request
/// carries both headers, `host` names a loopback address, and the origin's
/// host differs from it (ports compared only when both carry one).
bool origin_refused(std::string_view host, std::string_view origin);

}  // namespace drover::gateway
