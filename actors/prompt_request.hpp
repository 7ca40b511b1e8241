#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/json.hpp"
#include "actors/prompt_rejection.hpp"
#include "actors/result.hpp"

namespace drover::actors {

/// A `POST /prompt` body, checked for shape but not yet validated against
/// any node definitions.
struct prompt_request {
  json prompt;                           ///< the `prompt` object, as sent
  std::string prompt_id;                 ///< client-chosen id; empty when none was sent
  std::optional<std::string> client_id;  ///< routes the prompt's WebSocket events
  json extra_data = json::object();      ///< with `client_id` copied in, secrets removed
  json sensitive = json::object();       ///< secrets from extra_data: kept out of history
  std::optional<double> number;          ///< explicit priority; lower runs first
  bool front = false;                    ///< queue ahead of every counter-numbered prompt
  std::optional<std::vector<std::string>> partial_execution_targets;
};

using prompt_request_result =
    outcome::result<prompt_request, prompt_rejection, outcome::policy::terminate>;

/// Parses a request body as JSON whatever its content type, as ComfyUI does.
/// Refuses a body that is not a JSON object, one without `prompt`
/// (`no_prompt`, ComfyUI's exact message), and fields of the wrong type, each
/// with a ComfyUI-shaped rejection that names the field.
prompt_request_result parse_prompt_request(std::string_view body);

/// The keys of `extra_data` that carry credentials: ComfyUI removes them from
/// the queue and the history while still handing them to the nodes.
const std::vector<std::string>& sensitive_extra_data_keys();

/// Python truthiness of a JSON value, as ComfyUI applies it to flags such as
/// `front`: false, 0, "", [], {} and null are false.
bool json_truthy(const json& value);

}  // namespace drover::actors
