#include "worker/node_definition.hpp"

namespace drover::worker {

namespace {

const char* category_key(input_category c) {
  switch (c) {
    case input_category::required:
      return "required";
    case input_category::optional:
      return "optional";
    case input_category::hidden:
      return "hidden";
  }
  return "required";
}

/// Merges `patch` into `target`: objects key by key, any other value replaces.
void merge_into(json& target, const json& patch) {
  if (!patch.is_object() || !target.is_object()) {
    target = patch;
    return;
  }
  for (const auto& [key, value] : patch.items()) {
    merge_into(target[key], value);
  }
}

}  // namespace

node_definition& node_definition::required(std::string name, json type, json options) {
  inputs.push_back(
      {input_category::required, std::move(name), std::move(type), std::move(options)});
  return *this;
}

node_definition& node_definition::optional(std::string name, json type, json options) {
  inputs.push_back(
      {input_category::optional, std::move(name), std::move(type), std::move(options)});
  return *this;
}

node_definition& node_definition::hidden(std::string name, std::string kind) {
  inputs.push_back(
      {input_category::hidden, std::move(name), json(std::move(kind)), nullptr});
  return *this;
}

node_definition& node_definition::output(std::string type, std::string name) {
  output_names.push_back(name.empty() ? type : std::move(name));
  output_types.push_back(std::move(type));
  output_is_list.push_back(false);
  return *this;
}

const input_spec* node_definition::find_input(std::string_view name) const {
  for (const auto& in : inputs) {
    if (in.name == name) {
      return &in;
    }
  }
  return nullptr;
}

json node_definition::object_info() const {
  json input = json::object();
  json order = json::object();
  for (const auto& in : inputs) {
    const char* key = category_key(in.category);
    if (in.category == input_category::hidden) {
      input[key][in.name] = in.type;
    } else if (in.options.is_null()) {
      input[key][in.name] = json::array({in.type});
    } else {
      input[key][in.name] = json::array({in.type, in.options});
    }
    order[key].push_back(in.name);
  }
  if (input.empty()) {
    input["required"] = json::object();
    order["required"] = json::array();
  }

  json info = json::object();
  info["input"] = std::move(input);
  info["input_order"] = std::move(order);
  info["output"] = output_types;
  info["output_is_list"] = output_is_list;
  info["output_name"] = output_names;
  info["name"] = class_type;
  info["display_name"] = display_name.empty() ? class_type : display_name;
  info["description"] = description;
  info["python_module"] = python_module;
  info["category"] = category;
  info["output_node"] = output_node;
  merge_into(info, info_overrides);
  return info;
}

}  // namespace drover::worker
