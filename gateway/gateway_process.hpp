#pragma once

#include <cstddef>
#include <string>

#include "actors/endpoint.hpp"

namespace drover::gateway {

/// What `drover gateway` is told on its command line.
struct gateway_options {
  actors::endpoint coordinator{"127.0.0.1", 8190};
  actors::endpoint listen{"127.0.0.1", 8188};             ///< port 0: any free port
  std::size_t max_upload_bytes = std::size_t{100} << 20;  ///< ComfyUI's default 100 MB
  std::string log_level = "info";
};

/// Runs a gateway process until SIGINT or SIGTERM: joins the coordinator,
/// subscribes to every worker's events, serves ComfyUI's HTTP + WebSocket API
/// on `listen` and prints its ready line (docs/actors.md §1). Returns the
/// process exit code. Call from main only, with
/// `actors::block_termination_signals()` already done.
int run_gateway(const gateway_options& options);

}  // namespace drover::gateway
