#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/json.hpp"
#include "worker/node_value.hpp"

namespace drover::worker {

class node_call;

/// Runs one node once. Called on a worker execution thread; must not keep
/// references to the call after returning.
using node_function = std::function<node_outcome(node_call&)>;

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
  std::vector<bool> output_is_list;
  bool output_node = false;
  /// ComfyUI's NOT_IDEMPOTENT: the node id joins its cache signature.
  bool not_idempotent = false;
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
