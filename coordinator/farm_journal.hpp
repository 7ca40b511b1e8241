#pragma once

// What happened on the farm lately, for `drover status`: the last failures
// (workers lost, prompts given up) and the last finished prompts with the
// worker that ran them. Bounded; kept in memory only.

#include <cstdint>
#include <deque>
#include <string>

#include "actors/json.hpp"

namespace drover::coordinator {

struct failure_note {
  std::int64_t time_ms = 0;
  std::string worker_id;
  std::string worker_name;
  std::string prompt_id;  ///< empty when no prompt was running
  std::string reason;
};

struct finished_note {
  std::int64_t time_ms = 0;
  std::string prompt_id;
  std::string worker_id;  ///< empty when no worker finished it (given up)
  std::uint32_t attempt = 0;
  std::string outcome;  ///< the terminal message type
};

class farm_journal {
 public:
  explicit farm_journal(std::size_t capacity = 100) : capacity_(capacity) {}

  void add(failure_note note);
  void add(finished_note note);

  /// Newest first.
  json failures_json() const;
  json finished_json() const;

 private:
  std::size_t capacity_;
  std::deque<failure_note> failures_;
  std::deque<finished_note> finished_;
};

}  // namespace drover::coordinator
