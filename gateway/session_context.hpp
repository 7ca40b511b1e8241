#pragma once

#include <cstddef>

#include "gateway/hub.hpp"
#include "gateway/routes.hpp"

namespace drover::gateway {

/// What a queued WebSocket frame costs beyond its payload, in bytes, when
/// the queue bound is counted: many tiny frames also reach it.
constexpr std::size_t queued_frame_overhead = 64;

/// What every HTTP and WebSocket session of one server shares. Owned by the
/// server, which outlives its sessions; used on the io thread only.
struct session_context {
  hub& clients;
  route_context& routes;
  std::size_t max_upload_bytes = std::size_t{100} << 20;
  /// Bytes waiting per WebSocket (each frame counts its payload plus
  /// queued_frame_overhead) before the client is closed as slow.
  std::size_t client_queue_bytes = std::size_t{16} << 20;
};

}  // namespace drover::gateway
