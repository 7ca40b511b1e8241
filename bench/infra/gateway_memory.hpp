#pragma once

// gateway_rss_mib_1000_clients (issue #6): the resident memory of a real
// `drover gateway` process holding many idle WebSocket clients.

#include <cstddef>
#include <string>

#include "actors/result.hpp"

namespace drover::bench {

/// The gateway's resident set before and after the clients connected.
struct gateway_rss {
  double before_mib = 0;
  double after_mib = 0;
};

/// Starts a coordinator and a gateway (no workers), connects `clients` idle
/// WebSocket clients (client::ws_client, each with its own clientId) and
/// reads the gateway's VmRSS before and after. Raises this process's open
/// file limit (the gateway inherits it). Fails when a client cannot connect.
actors::result<gateway_rss> gateway_rss_with_clients(const std::string& binary,
                                                     std::size_t clients);

}  // namespace drover::bench
