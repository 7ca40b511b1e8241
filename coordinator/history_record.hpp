#pragma once

// The ComfyUI history entry of a finished prompt (comfyui-protocol.md §5.2),
// composed from its queue row and the worker's `fragment_done`.

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
json history_entry(const queued_prompt& p, const actors::fragment_done& done,
                   const terminal_message& terminal);

}  // namespace drover::coordinator
