#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "gateway/prompt_stream.hpp"

namespace drover::gateway {

/// Bounds on what the gateway keeps for prompts it cannot deliver yet.
struct stream_limits {
  std::size_t max_held_per_prompt = 20000;  ///< events held for one prompt
  std::size_t max_unplanned_prompts = 256;  ///< prompts seen only through events
  std::size_t remembered_done = 4096;  ///< finished prompts whose late events are dropped
};

/// Every prompt's stream, keyed by prompt id, plus the farm's queue length:
/// the whole of docs/events.md §4 behind one entry point per input. Not
/// thread-safe: all calls come from the gateway's one io thread.
class prompt_streams {
 public:
  explicit prompt_streams(stream_limits limits = {});

  /// `queue_changed`: a `status` broadcast.
  void on_queue_changed(const actors::queue_changed& fact, stream_output& out);
  void on_planned(const actors::prompt_planned& fact, stream_output& out);
  void on_finished(const actors::prompt_finished& fact, stream_output& out);
  /// A decoded worker event, from the SUB socket or a replay answer.
  void on_event(actors::event e, stream_output& out);
  /// A worker answered a replay request (after its events went to on_event).
  void on_replay_answered(const actors::attempt_key& key, bool known, stream_output& out);

  std::uint64_t queue_remaining() const { return queue_remaining_; }
  void set_queue_remaining(std::uint64_t n) { queue_remaining_ = n; }

  /// The node now running in a prompt of `client_id`, if any.
  std::optional<std::string> running_node_for(const std::string& client_id) const;

  /// Prompts with state kept (planned or held), for tests and metrics.
  std::size_t open_prompts() const { return streams_.size(); }
  /// prompt_stream::progress_summary of every started prompt not yet done,
  /// by prompt id.
  json progress() const;

 private:
  using stream_map = std::unordered_map<std::string, prompt_stream>;

  stream_map::iterator stream_for(const std::string& prompt_id);
  void evict_unplanned();
  void retire_if_done(stream_map::iterator it);

  stream_limits limits_;
  std::uint64_t queue_remaining_ = 0;
  stream_map streams_;
  std::deque<std::string> unplanned_order_;
  std::deque<std::string> done_order_;
  std::unordered_set<std::string> done_;
};

}  // namespace drover::gateway
