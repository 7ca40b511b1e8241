#pragma once

// Turns the WebSocket messages a ComfyUI backend sends about one prompt into
// drover events (docs/backends.md §3), so that gateways compose the client's
// stream from them exactly as from a native worker's.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "actors/event.hpp"
#include "actors/json.hpp"
#include "actors/result.hpp"
#include "client/gateway_client.hpp"
#include "worker/event_sink.hpp"
#include "worker/executor.hpp"

namespace drover::worker {

/// Follows one prompt on a backend. Messages about other prompts, and the
/// backend's own `status`, are ignored; a preview without a prompt id
/// belongs to the node running now. Not thread-safe: the bridge's execution
/// thread owns it.
class backend_stream {
 public:
  /// Copies the files a node's `ui` names into the farm's store and returns
  /// the `ui` that names them there.
  using output_store = std::function<actors::result<json>(const json& ui)>;

  /// Publishes to `events` under `key`. The backend runs the prompt under
  /// the farm's id, `key.prompt_id`.
  backend_stream(actors::attempt_key key, event_sink& events, output_store store);

  /// Takes one frame. A frame that does not parse is logged and skipped.
  void take(const client::ws_frame& frame);

  /// The backend refused the prompt (`POST /prompt` answered 400 with
  /// `answer`): ends the attempt with an execution_error that carries
  /// ComfyUI's error and node_errors.
  void refuse(const json& answer);

  /// The prompt was interrupted before the backend began it (it was
  /// deleted from the backend's queue): ends the attempt interrupted.
  void interrupt_unstarted();

  /// True once the terminal message (execution_success, _error or
  /// _interrupted) arrived, or `refuse` was called.
  bool ended() const { return ended_; }
  /// True once the backend began the prompt (execution_start).
  bool started() const { return started_; }
  /// Set when a node's output files could not be copied into the store.
  const std::optional<actors::error>& failure() const { return failure_; }

  /// What fragment_done reports; complete once ended().
  const fragment_report& report() const { return report_; }

 private:
  void take_checked(const client::ws_frame& frame);
  void on_message(const std::string& type, const json& data);
  void on_executing(const json& data);
  void on_progress_state(const json& data);
  void on_progress(const json& data);
  void on_executed(const json& data);
  void on_terminal(actors::fragment_outcome outcome, const json& data);
  void on_binary(const std::string& data);
  void flush_preview();
  /// Publishes a held tick (state only) and a held preview, but a preview
  /// of `keep_preview_for`, whose `progress` message is being handled.
  void flush_held(const std::string& keep_preview_for = {});
  void start_if_needed(std::vector<std::string> cached);
  void publish(actors::event_body body);

  /// Node ids a progress_state entry names for a node.
  struct node_ids {
    std::string display;
    std::string parent;
    std::string real;
    double value = 0;  ///< progress as the latest progress_state showed it
    double max = 1;
  };

  actors::attempt_key key_;
  event_sink& events_;
  output_store store_;
  bool started_ = false;    ///< execution_start seen
  bool announced_ = false;  ///< fragment_started published
  bool ended_ = false;
  std::optional<actors::error> failure_;
  fragment_report report_;
  std::map<std::string, node_ids> ids_;
  std::set<std::string> seen_;      ///< started, or reported an output
  std::set<std::string> finished_;  ///< node_finished published
  /// When the backend said each node began (`executing`), for report_.node_ms.
  std::map<std::string, std::chrono::steady_clock::time_point> started_at_;
  std::string running_;                          ///< the node executing now
  std::optional<actors::node_preview> preview_;  ///< waits for its progress tick
  std::optional<actors::node_progress> tick_;    ///< waits for its `progress`
};

}  // namespace drover::worker
