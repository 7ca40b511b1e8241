#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/event.hpp"
#include "actors/messages.hpp"
#include "gateway/prompt_stream.hpp"

namespace drover::gateway {

/// Where the intake hands what it read; called on the intake's thread.
struct intake_callbacks {
  std::function<void(actors::event)> on_event;
  /// A replay request was answered (after its events went to on_event), or
  /// given up after a timeout (`known` false then).
  std::function<void(const actors::attempt_key&, bool known)> on_replay_answered;
};

/// The ZeroMQ side of the gateway (docs/events.md §3): one thread owning a
/// SUB connected to every worker's events endpoint and a DEALER per
/// worker's replay endpoint. Malformed bytes are logged and dropped. The
/// public functions are thread-safe; they hand commands to the thread.
class event_intake {
 public:
  explicit event_intake(intake_callbacks callbacks);
  ~event_intake();
  event_intake(const event_intake&) = delete;
  event_intake& operator=(const event_intake&) = delete;

  void start();
  /// Stops the thread and closes every socket.
  void stop();

  /// Connects to a worker's sockets; a known worker id is reconnected.
  void add_worker(const actors::worker_endpoints& worker);
  void remove_worker(const std::string& worker_id);
  /// Makes `workers` the whole set (a `farm_snapshot` after a reconnect):
  /// workers missing from it are disconnected.
  void set_workers(const std::vector<actors::worker_endpoints>& workers);
  /// Sends `request` to its worker's replay socket. A request that gets no
  /// answer within the timeout is reported as answered with `known` false.
  void request_replay(const replay_request& request);

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace drover::gateway
