#pragma once

#include <cstddef>

#include "gateway/hub.hpp"
#include "gateway/routes.hpp"

namespace drover::gateway {

/// What every HTTP and WebSocket session of one server shares. Owned by the
/// server, which outlives its sessions; used on the io thread only.
struct session_context {
  hub& clients;
  route_context& routes;
  std::size_t max_upload_bytes = std::size_t{100} << 20;
  std::size_t client_queue_limit = 4096;  ///< frames waiting per WebSocket
};

}  // namespace drover::gateway
