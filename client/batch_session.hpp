#pragma once

// Runs one batch against a gateway, as `drover submit` does: one WebSocket
// opened before the first POST /prompt, every prompt posted with its own
// prompt id, then followed to its end with each output downloaded as soon
// as it is announced. A lost connection is retried with backoff and the
// batch resynchronised from /history and /queue; a termination signal
// deletes the batch's pending prompts and interrupts its running ones.

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "client/batch_follower.hpp"
#include "client/batch_plan.hpp"
#include "client/gateway_client.hpp"
#include "client/progress_display.hpp"

namespace drover::client {

/// `drover submit`'s exit codes (docs/submit.md).
enum exit_code : int {
  exit_succeeded = 0,    ///< every prompt succeeded and every output was saved
  exit_failed = 1,       ///< a prompt failed or was refused, or an output was not saved
  exit_usage = 2,        ///< bad options or a workflow that cannot be submitted
  exit_unreachable = 3,  ///< the gateway could not be reached (in time)
  exit_interrupted = 130,
};

struct session_options {
  gateway_address address;
  std::string client_id;
  std::string out_dir = "drover-out";
  bool wait = true;          ///< false: stop once every prompt is queued (--no-wait)
  bool json_report = false;  ///< the summary as one JSON line (--json)
  std::chrono::milliseconds first_backoff{250};
  std::chrono::milliseconds max_backoff{4000};
  /// How long the gateway may stay unreachable before the batch gives up;
  /// before the first connection (a wrong --url, say), the shorter limit.
  std::chrono::milliseconds give_up_after{60000};
  std::chrono::milliseconds give_up_first{5000};
  /// Without any message for this long, the batch is resynchronised from
  /// /history and /queue (a message may have been lost).
  std::chrono::milliseconds quiet_resync{3000};
  /// How often the farm's status is asked which worker runs each prompt
  /// (GET /drover/status; a gateway without it is not asked again).
  std::chrono::milliseconds farm_status_interval{2000};
  /// Waits up to the given time for a termination signal and returns its
  /// number, or 0 when none came.
  std::function<int(std::chrono::milliseconds)> wait_signal;
};

/// One batch. Not thread-safe; `run` once.
class batch_session {
 public:
  /// `report` receives the ids (--no-wait) and the final summary; `display`
  /// the live progress.
  batch_session(session_options options, std::vector<planned_prompt> batch,
                progress_display& display, std::ostream& report);

  /// Submits and follows the batch; returns an exit_code.
  int run();

 private:
  struct download_failure {
    std::string prompt_id;
    std::string message;
  };

  bool connect();
  int submit_all();
  int post_prompt(const planned_prompt& planned);
  int follow();
  void handle_frame(const ws_frame& frame);
  void handle(const std::vector<follow_event>& events);
  void download(const std::string& prompt_id, std::size_t output_index);
  /// Feeds GET /history/<id>; false when the farm gave no usable answer.
  bool fetch_history(const std::string& prompt_id);
  void resync();
  void ask_farm_status();
  bool reconnect(std::chrono::milliseconds give_up_after);
  void fail_lost(const std::set<std::string>& not_in_history, const json& queue);
  int cancel(int signal);
  int summarize();
  std::vector<std::string> unfinished() const;
  int poll_signal(std::chrono::milliseconds wait);

  session_options options_;
  std::vector<planned_prompt> batch_;
  progress_display& display_;
  std::ostream& report_;
  batch_follower follower_;
  std::optional<ws_client> ws_;
  std::vector<std::string> accepted_;
  std::vector<std::string> saved_files_;
  std::vector<download_failure> download_failures_;
  std::chrono::steady_clock::time_point last_message_;
  std::chrono::steady_clock::time_point last_farm_status_;
  bool farm_status_known_ = true;  ///< false once the gateway answered 404
  int pending_signal_ = 0;         ///< a signal seen where it could not be acted on
};

}  // namespace drover::client
