#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "actors/event.hpp"
#include "actors/messages.hpp"
#include "gateway/client_message.hpp"
#include "gateway/progress_table.hpp"

namespace drover::gateway {

/// Ask a worker's replay socket for the events of `key` numbered `from` or
/// later (docs/events.md §3).
struct replay_request {
  std::string worker_id;
  actors::attempt_key key;
  std::uint64_t from = 0;
};

/// What one step of composition produced: messages for clients, in order,
/// and replay requests for the event intake.
struct stream_output {
  std::vector<client_message> messages;
  std::vector<replay_request> replays;
};

/// The composition of one prompt's ComfyUI messages (docs/events.md §4).
/// Takes the coordinator's facts and the workers' events in any arrival
/// order and releases messages in ComfyUI's order: events of each attempt
/// by `seq`, the execution_start/execution_cached pair once every planned
/// fragment has started, the terminal message only after every event up to
/// each fragment's `last_seq` went out. Not thread-safe: one owner thread.
class prompt_stream {
 public:
  explicit prompt_stream(std::string prompt_id);

  /// Keeps `e` until it can be delivered. Returns false, dropping it, when
  /// `max_held` events are already held (a replay can recover it later).
  bool hold(actors::event e, std::size_t max_held);

  /// The plan (or a new plan after a requeue): the client and the attempts
  /// whose events count. Emits the `status` broadcast of the dequeue.
  void plan(const actors::prompt_planned& planned, stream_output& out);

  /// The prompt ended and its history is written; the terminal message goes
  /// out once every event up to each `last_seq` has been delivered.
  void finish(const actors::prompt_finished& finished, stream_output& out);

  /// The worker answered a replay request for `key`. Whatever is still
  /// missing afterwards is lost for good: it is skipped with a warning so
  /// that the prompt can complete.
  void replay_answered(const actors::attempt_key& key, bool known, stream_output& out);

  /// Delivers every held event whose turn has come, asks for replays of
  /// gaps, and releases the terminal sequence when its time has come.
  void pump(stream_output& out);

  bool planned() const { return planned_; }
  /// True once `executing {node: null}` went out.
  bool done() const { return done_; }
  std::size_t held_count() const { return held_count_; }
  const std::optional<std::string>& client_id() const { return client_id_; }

  /// The display id of the node now running, if a node started and has not
  /// finished (for the `executing` ComfyUI sends to a reconnecting client).
  std::optional<std::string> running_node() const;

  /// How far the prompt got, for `GET /drover/status`: `{"node": display id
  /// of the running node or null, "nodes_done": nodes executed, "value",
  /// "max": the running node's progress (absent when it reported none)}`.
  json progress_summary() const;

 private:
  using attempt_id = std::pair<std::uint32_t, std::uint32_t>;  // fragment, attempt

  struct attempt_state {
    std::string worker_id;
    bool active = false;
    std::uint64_t next_seq = 0;
    std::map<std::uint64_t, actors::event> held;
    std::optional<std::uint64_t> last_seq;
    std::optional<std::uint64_t> replay_from;  ///< an unanswered request
  };

  attempt_state& activate(std::uint32_t fragment, std::uint32_t attempt_number,
                          const std::string& worker_id);
  bool start_if_ready(stream_output& out);
  void emit_start(std::int64_t timestamp, const std::vector<std::string>& cached,
                  stream_output& out);
  bool drain(attempt_state& attempt, stream_output& out);
  void request_missing(std::uint32_t fragment, std::uint32_t attempt_number,
                       attempt_state& attempt, stream_output& out);
  bool tail_complete() const;
  void emit_terminal(stream_output& out);
  void deliver(const actors::event& e, stream_output& out);

  void on_node_started(const actors::node_started& body, stream_output& out);
  /// `preview`: the tick's preview, sent around the `progress` message.
  void on_node_progress(const actors::node_progress& body, stream_output& out,
                        const actors::node_preview* preview = nullptr);
  void on_node_output(const actors::node_output& body, stream_output& out);
  void on_node_finished(const actors::node_finished& body, stream_output& out);
  void on_node_text(const actors::node_text& body, stream_output& out);
  void on_node_preview(const actors::node_preview& body, stream_output& out);
  void push_preview(const actors::node_preview& body,
                    client_message::preview_sockets sockets, stream_output& out);
  /// The next event of `attempt` is a tick whose preview has not arrived.
  static bool awaits_preview(const attempt_state& attempt);
  void on_custom_message(const actors::custom_message& body, stream_output& out);

  void emit_progress_state(stream_output& out);
  /// To the prompt's client only; nothing when the prompt has none.
  void to_client(std::string_view type, const json& data, stream_output& out);
  /// To the prompt's client, or to every socket when it has none.
  void to_client_or_all(std::string_view type, const json& data, stream_output& out);

  std::string prompt_id_;
  std::optional<std::string> client_id_;
  bool planned_ = false;
  bool started_ = false;
  bool done_ = false;
  std::optional<actors::prompt_finished> finished_;
  std::map<attempt_id, attempt_state> attempts_;
  std::size_t held_count_ = 0;

  progress_table progress_;  ///< progress_state `nodes`
  std::map<std::string, std::string> display_of_;
  std::set<std::string> finished_nodes_;  ///< their events from a requeue are dropped
  std::optional<std::string> running_;
};

}  // namespace drover::gateway
