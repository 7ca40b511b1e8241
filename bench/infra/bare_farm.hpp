#pragma once

// A coordinator and a gateway as real processes on loopback, without
// workers: what the store and memory benchmarks need.

#include <string>

#include "actors/result.hpp"
#include "cli/child_process.hpp"
#include "client/gateway_client.hpp"

namespace drover::bench {

/// The two processes; destroying it kills and reaps them.
struct bare_farm {
  cli::child_process coordinator;
  cli::child_process gateway;
  std::string store_endpoint;  ///< the result store, tcp://HOST:PORT
  client::gateway_address address;
};

/// Starts `binary coordinator` (data in `data_dir`) and `binary gateway` in
/// front of it, each awaited through its ready line.
actors::result<bare_farm> start_bare_farm(const std::string& binary,
                                          const std::string& data_dir);

}  // namespace drover::bench
