#include "actors/prompt.hpp"

#include <cmath>

namespace drover::actors {

namespace {

prompt_rejection invalid_prompt(std::string message, const std::string& node_id) {
  prompt_rejection r;
  r.type = "invalid_prompt";
  r.message = std::move(message);
  r.details = "Node ID '#" + node_id + "'";
  return r;
}

bool link_index_fits(const json& index) {
  if (index.is_number_unsigned()) {
    return index.get<std::uint64_t>() <= UINT32_MAX;
  }
  if (index.is_number_integer()) {
    auto value = index.get<std::int64_t>();
    return value >= 0 && value <= UINT32_MAX;
  }
  auto value = index.get<double>();
  return std::isfinite(value) && value >= 0 && value <= UINT32_MAX;
}

node_input parse_input(const std::string& name, const json& value) {
  node_input input;
  input.name = name;
  if (is_link_value(value) && link_index_fits(value[1])) {
    input.source = link{value[0].get<std::string>(),
                        static_cast<std::uint32_t>(value[1].get<double>())};
    return input;
  }
  if (value.is_object() && value.size() == 1 && value.contains("__value__")) {
    input.constant = value["__value__"];
  } else {
    input.constant = value;
  }
  return input;
}

}  // namespace

const node_input* prompt_node::input(std::string_view name) const {
  for (const auto& in : inputs) {
    if (in.name == name) {
      return &in;
    }
  }
  return nullptr;
}

bool is_link_value(const json& value) {
  return value.is_array() && value.size() == 2 && value[0].is_string() &&
         value[1].is_number();
}

prompt_graph::parse_result prompt_graph::parse(const json& prompt) {
  if (!prompt.is_object()) {
    prompt_rejection r;
    r.type = "invalid_prompt";
    r.message = "Prompt must be an object of nodes";
    r.details = std::string{"got "} + prompt.type_name();
    return r;
  }

  prompt_graph graph;
  graph.nodes_.reserve(prompt.size());
  for (const auto& [id, node] : prompt.items()) {
    if (!node.is_object() || !node.contains("class_type")) {
      return invalid_prompt(
          "Cannot execute because a node is missing the class_type property.", id);
    }
    const auto& class_type = node["class_type"];
    if (!class_type.is_string()) {
      return invalid_prompt("Cannot execute because a node's class_type is not a string.",
                            id);
    }

    prompt_node parsed;
    parsed.id = id;
    parsed.class_type = class_type.get<std::string>();
    if (auto inputs = node.find("inputs"); inputs != node.end()) {
      if (!inputs->is_object()) {
        return invalid_prompt("Cannot execute because a node's inputs are not an object.",
                              id);
      }
      parsed.inputs.reserve(inputs->size());
      for (const auto& [name, value] : inputs->items()) {
        parsed.inputs.push_back(parse_input(name, value));
      }
    }
    if (auto meta = node.find("_meta"); meta != node.end() && meta->is_object()) {
      parsed.meta = *meta;
    }

    graph.index_.emplace(parsed.id, graph.nodes_.size());
    graph.nodes_.push_back(std::move(parsed));
  }
  return graph;
}

const prompt_node* prompt_graph::find(std::string_view id) const {
  auto it = index_.find(std::string{id});
  return it == index_.end() ? nullptr : &nodes_[it->second];
}

}  // namespace drover::actors
