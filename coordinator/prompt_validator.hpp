#pragma once

// ComfyUI's prompt validation (execution.py `validate_prompt` and
// `validate_inputs`, v0.8.0), reproduced against the node catalog the workers
// announce, so that the coordinator refuses exactly what ComfyUI refuses, with
// the same error shapes (docs/comfyui-protocol.md §3). Two deliberate
// differences: a static cycle is reported as a `dependency_cycle` node error,
// as newer ComfyUI does, and the traversal is iterative, so a 10,000-node
// chain validates without deep recursion.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "actors/json.hpp"
#include "actors/prompt_rejection.hpp"
#include "actors/result.hpp"

namespace drover::coordinator {

/// A prompt that passed validation (possibly with some outputs dropped).
struct validated_prompt {
  json prompt;  ///< with constants coerced as ComfyUI does (64.5 → 64)
  std::vector<std::string> outputs;   ///< the good output nodes, in prompt order
  json node_errors = json::object();  ///< why the other outputs were dropped
};

using validation_result =
    actors::outcome::result<validated_prompt, actors::prompt_rejection,
                            actors::outcome::policy::terminate>;

/// Answers whether a file exists in the input store, for the nodes whose
/// ComfyUI class checks its file input (LoadImage, LoadImageMask, LoadLatent).
/// `type` is input, output or temp; `path` is relative to that folder and has
/// passed the store's name checks.
using input_file_probe =
    std::function<bool(const std::string& type, const std::string& path)>;

/// What validation is checked against.
struct validation_context {
  const json* catalog = nullptr;  ///< class name → `/object_info` entry; required
  input_file_probe file_exists;   ///< empty: file inputs are not checked
};

/// Validates `prompt` (the API-format object of `POST /prompt`).
/// `targets` is `partial_execution_targets`: only output nodes it names become
/// outputs. Returns the good outputs, or the rejection ComfyUI answers with
/// status 400. Never throws; any JSON is acceptable input.
validation_result validate_prompt(const json& prompt, const validation_context& context,
                                  const std::optional<std::vector<std::string>>& targets);

}  // namespace drover::coordinator
