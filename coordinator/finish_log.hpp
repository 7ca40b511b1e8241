#pragma once

// The recent prompt_finished facts, for gateways that reconnect
// (docs/actors.md §3): bounded in count and age, and rebuilt from the
// history rows after a coordinator restart.

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "actors/messages.hpp"

namespace drover::coordinator {

class prompt_store;

class finish_log {
 public:
  /// How many facts, and of how many milliseconds, a resuming gateway hears.
  /// Fewer than a gateway remembers of the prompts it completed
  /// (prompt_streams' `remembered_done`), so that a repeat is recognised.
  static constexpr std::size_t capacity = 1024;
  static constexpr std::int64_t window_ms = 10000;

  /// The facts the store kept of the window before `now_ms`; false (and a
  /// log line) when they could not be read.
  bool load(prompt_store& store, std::int64_t now_ms);

  void add(actors::prompt_finished fact, std::int64_t now_ms);

  /// The facts of the window before `now_ms`, oldest first.
  std::vector<actors::prompt_finished> recent(std::int64_t now_ms) const;

 private:
  std::deque<std::pair<std::int64_t, actors::prompt_finished>> facts_;
};

}  // namespace drover::coordinator
