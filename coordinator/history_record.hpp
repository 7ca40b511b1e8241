#pragma once

// The ComfyUI history entry of a finished prompt (comfyui-protocol.md §5.2),
// composed from its queue row and the worker's `fragment_done`.

#include <optional>
#include <string>

#include "actors/json.hpp"
#include "actors/messages.hpp"
#include "coordinator/prompt_store.hpp"

namespace drover::coordinator {

/// A prompt's terminal message: `execution_success`, `execution_error` or
/// `execution_interrupted`, with its data (prompt_id first, timestamp last).
struct terminal_message {
  std::string type;
  json data = json::object();
};

/// The terminal message that `done` reports.
terminal_message terminal_of(const std::string& prompt_id,
                             const actors::fragment_done& done);

/// `{prompt, outputs, status: {status_str, completed, messages}, meta}`.
/// Takes the prompt and extra_data out of `p`, a row that leaves the queue,
/// rather than copying them.
json take_history_entry(queued_prompt& p, const actors::fragment_done& done,
                        const terminal_message& terminal);

/// A prompt_finished as JSON, kept with its history entry so that a restarted
/// coordinator can tell a resuming gateway again.
json finished_to_json(const actors::prompt_finished& finished);

/// The inverse; nullopt when `fact` is not of that shape.
std::optional<actors::prompt_finished> finished_from_json(const json& fact);

/// The execution_error of a prompt the coordinator gave up on because every
/// worker it was given to was lost while running it; `reason` says so.
terminal_message abandoned_terminal(const std::string& prompt_id,
                                    const std::string& reason, std::int64_t now_ms);

/// The history entry of such a prompt: no outputs, status error.
json abandoned_history_entry(const queued_prompt& p, const terminal_message& terminal);

}  // namespace drover::coordinator
