#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/endpoint.hpp"

namespace drover::worker {

/// What `drover worker` is told on its command line.
struct worker_options {
  actors::endpoint coordinator{"127.0.0.1", 8190};
  std::string name;            ///< human name; empty: "<host>-<pid>"
  std::string advertise_host;  ///< address peers reach this worker at; empty: detect
  std::string bind_host;       ///< address its event sockets bind; empty: advertise_host
  std::uint16_t events_port = 0;  ///< events (PUB) port; 0: any free one
  std::uint16_t replay_port = 0;  ///< replay (ROUTER) port; 0: any free one
  /// `--event-spill-dir DIR`: where events evicted from memory wait for late
  /// replays; empty: a folder of its own under the temporary folder,
  /// removed when the worker ends.
  std::string event_spill_dir;
  bool enable_testing_nodes = false;
  /// Speed of the simulated device the testing nodes run on: their waits last
  /// their stated seconds divided by this (docs/testing-nodes.md). > 0.
  double testing_speed = 1.0;
  /// `--cache-lru N` (N > 0) keeps up to N results across prompts;
  /// `--cache-none` reuses nothing; neither: ComfyUI's classic cache.
  std::size_t cache_lru = 0;
  bool cache_none = false;
  std::string log_level = "info";
  /// `--node-packs DIR`: load every `*.so` node pack of DIR at start
  /// (docs/node-packs.md); empty: none.
  std::string node_packs;
  /// `--backend comfyui=URL`, repeatable: also run, whole, every fragment
  /// that needs a class of one of these ComfyUI servers (docs/backends.md),
  /// one fragment per backend at a time.
  std::vector<std::string> backends;
  /// `--backend-file FILE`: more backends, one `comfyui=URL` per line.
  std::string backend_file;
};

/// Runs a worker process until SIGINT or SIGTERM: binds its event and replay
/// sockets, joins the coordinator (retrying while it is unreachable, and
/// joining again after it restarts), prints its ready line once welcomed
/// (docs/actors.md §1) and runs the fragments it is given. Returns the
/// process exit code. Call from main only, with
/// `actors::block_termination_signals()` already done.
int run_worker(const worker_options& options);

}  // namespace drover::worker
