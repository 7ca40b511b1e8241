#pragma once

#include <string>

#include "actors/json.hpp"

namespace drover::actors {

/// Why a submitted prompt was refused, in the shape ComfyUI answers
/// `POST /prompt` with: `{"error": {type, message, details, extra_info},
/// "node_errors": {...}}`. `type` is one of ComfyUI's error types
/// (`no_prompt`, `invalid_prompt`, `prompt_no_outputs`,
/// `prompt_outputs_failed_validation`, ...).
struct prompt_rejection {
  std::string type;
  std::string message;
  std::string details;
  json extra_info = json::object();
  json node_errors = json::object();

  /// The response body ComfyUI sends with status 400.
  json to_json() const;
};

}  // namespace drover::actors
