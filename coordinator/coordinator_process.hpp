#pragma once

#include <cstdint>
#include <string>

#include "actors/endpoint.hpp"

namespace drover::coordinator {

/// What `drover coordinator` is told on its command line.
struct coordinator_options {
  actors::endpoint listen{"127.0.0.1",
                          8190};         ///< where the coordinator actor is published
  std::string data_dir = "drover-data";  ///< SQLite database and result store files
  std::uint16_t store_port = 0;          ///< result store port on listen.host; 0: any
  std::string log_level = "info";
  std::uint32_t retry_budget = 3;  ///< workers a prompt may lose before it fails
};

/// Runs a coordinator process until SIGINT or SIGTERM: opens (or creates) the
/// SQLite database under `data_dir`, starts the result store, publishes the
/// coordinator actor, prints its ready line (docs/actors.md §1) and serves.
/// Returns the process exit code: 0 after a clean stop, 1 when it could not
/// start (the reason is logged). Call from main only, with
/// `actors::block_termination_signals()` already done.
int run_coordinator(const coordinator_options& options);

}  // namespace drover::coordinator
