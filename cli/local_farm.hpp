#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/result.hpp"
#include "cli/child_process.hpp"

namespace drover::cli {

/// How to lay out a farm on one machine: every role a separate process of
/// the `drover` binary, talking over loopback sockets.
struct local_farm_options {
  std::string binary;  ///< path of the drover executable
  std::string host = "127.0.0.1";
  std::uint16_t gateway_port = 8188;  ///< 0: any free port
  std::uint32_t workers = 2;
  std::string data_dir = "drover-data";
  std::string log_level = "info";
  bool enable_testing_nodes = false;
  double testing_speed = 1.0;  ///< `drover worker --testing-speed`
  std::size_t cache_lru = 0;   ///< `drover worker --cache-lru`; 0: not given
  bool cache_none = false;     ///< `drover worker --cache-none`
  std::string node_packs;      ///< `drover worker --node-packs`; empty: not given
  /// Extra arguments of worker `i` (the i-th entry; none past the end), after
  /// the common ones: per-worker speeds, node packs, testing nodes.
  std::vector<std::vector<std::string>> worker_args;
  /// Extra arguments of the coordinator, such as `--retry-budget 2`.
  std::vector<std::string> coordinator_args;
  std::chrono::milliseconds start_timeout{30000};  ///< per process
};

/// A running local farm: one coordinator, N workers and one gateway. Start
/// order is coordinator, workers, gateway, each awaited through its ready
/// line, so that once `start` returns the gateway serves and every worker
/// has joined. Not thread-safe.
class local_farm {
 public:
  /// Starts the farm; on failure stops whatever it had started.
  static actors::result<local_farm> start(const local_farm_options& options);

  local_farm(local_farm&&) = default;
  local_farm& operator=(local_farm&&) = default;
  ~local_farm() { stop(); }

  /// "http://127.0.0.1:8188".
  const std::string& url() const { return url_; }
  /// Where the gateway listens, "HOST:PORT".
  const std::string& gateway_endpoint() const { return gateway_endpoint_; }
  /// Where the coordinator actor is published, "HOST:PORT".
  const std::string& coordinator_endpoint() const { return coordinator_endpoint_; }

  child_process& coordinator() { return processes_.front(); }
  child_process& gateway() { return processes_.back(); }
  /// Worker `index`, 0-based.
  child_process& worker(std::size_t index) { return processes_.at(1 + index); }

  /// Starts the coordinator again, on the endpoint, result store port and
  /// data folder it had, after it ended (a test kills it); waits for its
  /// ready line. Workers and the gateway find it again by themselves, and
  /// uploads still in flight reach the store where they were going.
  actors::result<void> restart_coordinator();

  /// Stops the gateway and starts it again on the endpoint it had (a client
  /// sees its connections drop and reconnects); waits for its ready line.
  actors::result<void> restart_gateway();

  /// The first process that has ended, described for a log line; nullopt
  /// while all run.
  std::optional<std::string> ended_process();

  /// Stops the gateway, then the workers, then the coordinator (SIGTERM,
  /// then SIGKILL after a grace period). Idempotent.
  void stop();

 private:
  local_farm() = default;

  local_farm_options options_;
  std::string store_port_;                ///< the result store's, kept across a restart
  std::vector<child_process> processes_;  ///< coordinator, workers…, gateway
  std::string url_;
  std::string gateway_endpoint_;
  std::string coordinator_endpoint_;
};

}  // namespace drover::cli
