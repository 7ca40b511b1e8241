#pragma once

#include <string>

#include "actors/endpoint.hpp"

namespace drover::worker {

/// What `drover worker` is told on its command line.
struct worker_options {
  actors::endpoint coordinator{"127.0.0.1", 8190};
  std::string name;            ///< human name; empty: "<host>-<pid>"
  std::string advertise_host;  ///< address peers reach this worker at; empty: detect
  bool enable_testing_nodes = false;
  std::string log_level = "info";
};

/// Runs a worker process until SIGINT or SIGTERM: binds its event and replay
/// sockets, joins the coordinator (retrying while it is unreachable, and
/// joining again after it restarts), prints its ready line once welcomed
/// (docs/actors.md §1) and runs the fragments it is given. Returns the
/// process exit code. Call from main only, with
/// `actors::block_termination_signals()` already done.
int run_worker(const worker_options& options);

}  // namespace drover::worker
