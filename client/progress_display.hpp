#pragma once

// Shows a batch's progress. On a terminal: an overall bar (done, failed,
// running, queued, ETA) and one line per running prompt, redrawn in place
// with ANSI codes at most ten times a second. Otherwise (a pipe, a file, or
// --json): one JSON object per line per event, for scripts. Debian 12 has
// no C++ terminal progress library, so this is drover's own small renderer.

#include <chrono>
#include <cstddef>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "actors/json.hpp"
#include "client/batch_follower.hpp"

namespace drover::client {

class progress_display {
 public:
  using clock = std::chrono::steady_clock;

  /// Writes to `out`: the live bar when `terminal`, JSON lines otherwise.
  /// `prompts` (prompt id → API prompt) names the class of a running node.
  progress_display(std::ostream& out, bool terminal, std::map<std::string, json> prompts);

  /// A prompt was accepted by the farm (POST /prompt answered).
  void queued(const std::string& prompt_id, const std::string& workflow,
              clock::time_point now);

  /// What the follower reported for one message; redraws when due.
  void events(const batch_follower& follower, const std::vector<follow_event>& events,
              clock::time_point now);

  /// An output file was written to `path`.
  void saved(const std::string& prompt_id, const std::string& path,
             clock::time_point now);

  /// A line for the person or the script: a warning, a reconnect.
  void note(const std::string& kind, const std::string& message, clock::time_point now);

  /// Redraws the bar when due (callers tick while waiting).
  void tick(const batch_follower& follower, clock::time_point now);

  /// Draws the final bar and leaves the cursor below it.
  void finish(const batch_follower& follower, clock::time_point now);

 private:
  void json_line(json line);
  void print_above(const std::string& line);
  void redraw(const batch_follower& follower, clock::time_point now);
  std::string bar_line(const batch_follower& follower, clock::time_point now) const;
  std::string prompt_line(const prompt_status& p) const;

  std::ostream& out_;
  bool terminal_;
  std::map<std::string, json> prompts_;
  std::size_t drawn_lines_ = 0;
  bool dirty_ = true;
  bool started_ = false;
  clock::time_point first_start_{};
  clock::time_point last_draw_{};
};

}  // namespace drover::client
