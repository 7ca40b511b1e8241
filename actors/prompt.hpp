#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/json.hpp"
#include "actors/prompt_rejection.hpp"
#include "actors/result.hpp"

namespace drover::actors {

/// A connection from another node's output: ComfyUI writes it as the
/// two-element list `["<node id>", <output index>]`.
struct link {
  std::string node_id;
  std::uint32_t output_index = 0;
};

/// One input of a node: either a link or a constant. A constant list arrives
/// wrapped as `{"__value__": [...]}` and is stored unwrapped.
struct node_input {
  std::string name;
  std::optional<link> source;
  json constant;

  bool is_link() const { return source.has_value(); }
};

/// One node of a prompt, as the API format lists it.
struct prompt_node {
  std::string id;
  std::string class_type;
  std::vector<node_input> inputs;  ///< in the order the prompt lists them
  json meta = json::object();      ///< `_meta` (title); ignored by execution

  /// The input called `name`, or nullptr.
  const node_input* input(std::string_view name) const;
};

/// A prompt in ComfyUI's API format: node id → {class_type, inputs, _meta}.
/// Node ids are opaque strings. Nodes and inputs keep the prompt's order,
/// which ComfyUI's scheduler depends on. Immutable once parsed; safe to share
/// between threads.
class prompt_graph {
 public:
  using parse_result =
      outcome::result<prompt_graph, prompt_rejection, outcome::policy::terminate>;

  /// Parses the `prompt` object of a request. Refuses, with ComfyUI's
  /// `invalid_prompt` shape, a prompt that is not an object, a node that is not
  /// an object, lacks a string `class_type`, or has `inputs` that are not an
  /// object. Links are recognised as ComfyUI does: a list of exactly two
  /// elements whose first is a string and second a number.
  static parse_result parse(const json& prompt);

  const std::vector<prompt_node>& nodes() const { return nodes_; }

  /// The node with id `id`, or nullptr.
  const prompt_node* find(std::string_view id) const;

 private:
  std::vector<prompt_node> nodes_;
  std::unordered_map<std::string, std::size_t> index_;
};

/// True when `value` has ComfyUI's link shape: `[string, number]`.
bool is_link_value(const json& value);

}  // namespace drover::actors
