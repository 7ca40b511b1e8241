#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/json.hpp"
#include "actors/result.hpp"
#include "worker/node_value.hpp"

namespace drover::worker {

class node_call;
class node_environment;

/// Runs one node once. Called on a worker execution thread; must not keep
/// references to the call after returning.
using node_function = std::function<node_outcome(node_call&)>;

/// ComfyUI's IS_CHANGED: given the node's constant inputs (an object by input
/// name; linked inputs are null) and the prompt's environment, returns a value
/// that joins the node's cache signature. A failure or a NaN result means the
/// node always runs again. Called once per prompt, on the execution thread.
using fingerprint_function =
    std::function<actors::result<json>(const json& constants, node_environment& env)>;

enum class input_category { required, optional, hidden };

/// One declared input, as ComfyUI's INPUT_TYPES states it: a type (`"INT"`,
/// `"IMAGE"`, or a list of combo choices) and its options (default, min, max,
/// step, ...). Hidden inputs have a kind (`"PROMPT"`, `"UNIQUE_ID"`, ...) as type.
struct input_spec {
  input_category category = input_category::required;
  std::string name;
  json type;
  json options;  ///< an object, or null when the definition gives none
};

/// A node class: its ComfyUI-visible definition and the function that runs
/// it. Built once when a node pack registers it, then read-only.
struct node_definition {
  std::string class_type;
  std::string display_name;
  std::string category = "sd";
  std::string description;
  std::string python_module = "nodes";
  std::vector<input_spec> inputs;
  std::vector<std::string> output_types;
  std::vector<std::string> output_names;
  /// ComfyUI's OUTPUT_IS_LIST: such an output returns a value_list, whose
  /// items the executor concatenates over the node's mapped calls.
  std::vector<bool> output_is_list;
  /// ComfyUI's INPUT_IS_LIST: the node is called once with every input whole
  /// (a list input as its value_list; read all values with
  /// `node_call::items`). Otherwise a node given list inputs is called once
  /// per list position, a shorter list repeating its last value.
  bool input_is_list = false;
  bool output_node = false;
  /// ComfyUI's NOT_IDEMPOTENT: the node id joins its cache signature.
  bool not_idempotent = false;
  /// An async node (ComfyUI's `async def` FUNCTION): the executor runs it on a
  /// thread of its own and keeps running other ready nodes of the prompt
  /// meanwhile, so async nodes of one prompt overlap. Its function must be
  /// safe to run concurrently with other nodes; it may report progress and
  /// text but must not use `environment().files()`, which is not thread-safe.
  bool is_async = false;
  /// IS_CHANGED; empty for the classes that have none.
  fingerprint_function fingerprint;
  /// Fields merged over the generated object_info entry (objects merge key by
  /// key, anything else replaces), for what the schema above cannot say:
  /// ComfyUI's V3 nodes add `api_node`, `deprecated`, `experimental`,
  /// `output_matchtypes`, a null `display_name`, hidden inputs as lists.
  json info_overrides = json::object();
  node_function run;

  node_definition& required(std::string name, json type, json options = nullptr);
  node_definition& optional(std::string name, json type, json options = nullptr);
  node_definition& hidden(std::string name, std::string kind);
  node_definition& output(std::string type, std::string name = {});

  /// The declared input called `name`, or nullptr.
  const input_spec* find_input(std::string_view name) const;

  /// This class's entry of `GET /object_info`, shaped as ComfyUI's.
  json object_info() const;
};

}  // namespace drover::worker
