#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/result.hpp"
#include "worker/node_definition.hpp"
#include "worker/node_environment.hpp"

namespace drover::worker {

/// One invocation of a node: its resolved inputs and the environment it runs
/// in. The typed accessors fail with errc::invalid_input naming the input
/// when it is absent or of another kind, so a node can `DROVER_TRY` them.
class node_call {
 public:
  using input_list = std::vector<std::pair<std::string, node_value>>;

  node_call(const node_definition& definition, std::string node_id, input_list inputs,
            node_environment& environment)
      : definition_(definition),
        node_id_(std::move(node_id)),
        inputs_(std::move(inputs)),
        environment_(environment) {}

  /// The node's id in the prompt (hidden input UNIQUE_ID).
  const std::string& node_id() const { return node_id_; }
  const node_definition& definition() const { return definition_; }
  node_environment& environment() { return environment_; }
  const input_list& inputs() const { return inputs_; }

  bool has(std::string_view name) const { return find(name) != nullptr; }

  /// Every value of input `name`: a list input's items, else the one value;
  /// empty when the input is absent. Only a node declared `input_is_list`
  /// sees list inputs; the typed accessors below read a list's first value,
  /// as ComfyUI's list nodes read `input[0]` of their scalar inputs.
  std::vector<node_value> items(std::string_view name) const;

  actors::result<std::int64_t> integer(std::string_view name) const;
  actors::result<double> number(std::string_view name) const;
  actors::result<std::string> string(std::string_view name) const;
  actors::result<bool> boolean(std::string_view name) const;
  actors::result<tensor_ptr> tensor_input(std::string_view name) const;
  actors::result<latent_ptr> latent_input(std::string_view name) const;

 private:
  const node_value* find(std::string_view name) const;
  actors::result<const json*> primitive(std::string_view name) const;

  const node_definition& definition_;
  std::string node_id_;
  input_list inputs_;
  node_environment& environment_;
};

}  // namespace drover::worker
