#pragma once

// Reading the recorded ComfyUI sessions (tests/data/comfyui-v0.8.0) and
// turning one recorded prompt run back into what drover's coordinator and
// worker would send for it: the facts and the events.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/event.hpp"
#include "actors/messages.hpp"
#include "gateway/client_message.hpp"

namespace drover::test {

/// Every line of a recorded session file.
std::vector<nlohmann::json> load_recording(const std::string& file_name);

/// One recorded prompt run as one client saw it.
struct recorded_run {
  std::string prompt_id;
  std::string client_id;
  /// The client's text messages from the `status` of the enqueue up to
  /// `executing {node: null}`, `timestamp` fields removed.
  std::vector<nlohmann::json> messages;

  actors::queue_changed enqueued;
  actors::prompt_planned planned;
  std::vector<actors::event> events;  ///< fragment 0, attempt 0, seq 0…
  actors::prompt_finished finished;
};

/// The `index`th run (0-based) that `client` saw in `file_name`.
recorded_run recorded_prompt_run(const std::string& file_name, const std::string& client,
                                 int index);

/// `timestamp` removed from `data`, as runs differ only there.
nlohmann::json without_timestamp(nlohmann::json message);

/// The text messages of `messages` that reach a socket of `client_id`,
/// parsed, without timestamps.
std::vector<nlohmann::json> seen_by(const std::vector<gateway::client_message>& messages,
                                    const std::string& client_id);

}  // namespace drover::test
