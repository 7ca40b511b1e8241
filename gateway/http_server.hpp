#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "actors/endpoint.hpp"
#include "actors/result.hpp"
#include "gateway/coordinator_link.hpp"
#include "gateway/file_source.hpp"
#include "gateway/hub.hpp"

namespace drover::gateway {

struct server_options {
  actors::endpoint listen{"127.0.0.1", 8188};  ///< port 0: any free port
  std::size_t max_upload_bytes = std::size_t{100} << 20;
  /// Bytes waiting per WebSocket (each frame counts its payload plus
  /// queued_frame_overhead) before the client is closed as slow.
  std::size_t client_queue_bytes = std::size_t{16} << 20;
  stream_limits limits;
};

/// ComfyUI's HTTP + WebSocket API on one io thread, which also owns the
/// hub (every client socket and prompt stream). Other threads reach the hub
/// only through `post`. Beast stays inside the .cpp files.
class http_server {
 public:
  /// `coordinator` and `files` must outlive the server.
  http_server(server_options options, coordinator_link& coordinator, file_source& files);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds the listener and starts the io thread. Returns the bound
  /// endpoint; errc::io_failure when the address cannot be bound (a port
  /// already taken).
  actors::result<actors::endpoint> start();

  /// Runs `work` on the io thread with the hub. Thread-safe; after `stop`
  /// the work is dropped.
  void post(std::function<void(hub&)> work);

  /// Stops accepting, ends every session and joins the io thread.
  /// Callbacks still arriving from other threads are dropped safely, as
  /// long as the server object itself is alive.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace drover::gateway
