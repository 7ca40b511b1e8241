#include "client/workflow_convert.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "client/widget_layout.hpp"

namespace drover::client {

using actors::errc;
using actors::fail;

namespace {

// Litegraph's node modes (LGraphEventMode).
constexpr int mode_never = 2;   // muted: not executed, not sent
constexpr int mode_bypass = 4;  // outputs replaced by matching inputs

struct link {
  std::string origin_id;
  int origin_slot = 0;
};

/// Where an input's value comes from once virtual and bypassed nodes are
/// looked through: another node's output, a plain value (a PrimitiveNode),
/// or nothing.
struct resolved {
  enum class kind { none, output, value } what = kind::none;
  std::string origin_id;
  int origin_slot = 0;
  json value;
};

std::string id_text(const json& id) {
  return id.is_string() ? id.get<std::string>() : id.dump();
}

std::string describe_node(const json& node) {
  return "node " + id_text(node.value("id", json())) + " (" +
         node.value("type", std::string{"?"}) + ")";
}

bool is_virtual(const std::string& type) {
  return type == "Reroute" || type == "PrimitiveNode" || type == "Note" ||
         type == "MarkdownNote";
}

/// Litegraph's type compatibility: equal, a wildcard, or a shared member of
/// comma-separated type lists.
bool types_connect(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty() || a == "*" || b == "*" || a == b) {
    return true;
  }
  auto split = [](const std::string& text) {
    std::set<std::string> parts;
    std::size_t start = 0;
    while (start <= text.size()) {
      auto comma = text.find(',', start);
      if (comma == std::string::npos) {
        comma = text.size();
      }
      parts.insert(text.substr(start, comma - start));
      start = comma + 1;
    }
    return parts;
  };
  auto left = split(a);
  for (const auto& part : split(b)) {
    if (left.count(part) != 0) {
      return true;
    }
  }
  return false;
}

std::string slot_type(const json& slot) {
  const auto& type = slot.value("type", json());
  return type.is_string() ? type.get<std::string>() : std::string{};
}

class converter {
 public:
  converter(const json& editor, const json& object_info)
      : editor_(editor), object_info_(object_info) {}

  actors::result<json> run();

 private:
  actors::result<void> index_graph();
  actors::result<void> check_node(const json& node) const;
  actors::result<json> convert_node(const json& node);
  json widget_inputs(const json& node) const;
  actors::result<resolved> resolve_input(const json& node, std::size_t index,
                                         const std::string& type);
  actors::result<resolved> resolve_output(const json& node, int slot,
                                          const std::string& type);
  int bypass_slot(const json& node, int slot, const std::string& type) const;
  std::vector<std::string> dependency_order(const json& prompt) const;

  const json& editor_;
  const json& object_info_;
  std::map<std::string, const json*> nodes_;
  std::map<std::string, link> links_;
  std::set<std::string> subgraph_ids_;
  std::set<std::string> visited_;
};

actors::result<void> converter::index_graph() {
  for (const auto& node : editor_["nodes"]) {
    if (!node.is_object() || !node.contains("id") || !node["type"].is_string()) {
      return fail(errc::invalid_input, "a node without an id or type: " + node.dump());
    }
    nodes_[id_text(node["id"])] = &node;
  }
  for (const auto& entry : editor_.value("links", json::array())) {
    // Links are [id, origin_id, origin_slot, target_id, target_slot, type]
    // in the editor's classic format, objects in its 1.0 schema.
    if (entry.is_array() && entry.size() >= 5 && entry[2].is_number_integer()) {
      links_[id_text(entry[0])] = {id_text(entry[1]), entry[2].get<int>()};
    } else if (entry.is_object() && entry.contains("id") &&
               entry.value("origin_slot", json()).is_number_integer()) {
      links_[id_text(entry["id"])] = {id_text(entry["origin_id"]),
                                      entry["origin_slot"].get<int>()};
    } else {
      return fail(errc::invalid_input, "a malformed link: " + entry.dump());
    }
  }
  const auto& definitions = editor_.value("definitions", json::object());
  if (definitions.is_object()) {
    for (const auto& subgraph : definitions.value("subgraphs", json::array())) {
      if (subgraph.is_object() && subgraph.contains("id")) {
        subgraph_ids_.insert(id_text(subgraph["id"]));
      }
    }
  }
  return actors::ok();
}

actors::result<void> converter::check_node(const json& node) const {
  const std::string type = node["type"].get<std::string>();
  if (subgraph_ids_.count(type) != 0) {
    return fail(errc::invalid_input,
                describe_node(node) + " is a subgraph, which cannot be converted");
  }
  if (type.rfind("workflow>", 0) == 0 || type.rfind("workflow/", 0) == 0) {
    return fail(errc::invalid_input,
                describe_node(node) + " is a group node, which cannot be converted");
  }
  if (!object_info_.contains(type)) {
    return fail(errc::invalid_input,
                describe_node(node) + " has a class the farm does not know");
  }
  return actors::ok();
}

json converter::widget_inputs(const json& node) const {
  json inputs = json::object();
  const auto& values = node.value("widgets_values", json::array());
  auto slots = widget_layout(object_info_[node["type"].get<std::string>()]);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].input.empty()) {
      continue;
    }
    json value = slots[i].default_value;
    if (values.is_array() && i < values.size()) {
      value = values[i];
    } else if (values.is_object() && values.contains(slots[i].input)) {
      value = values[slots[i].input];
    }
    if (value.is_null()) {
      continue;
    }
    // An array would read as a link; the server unwraps this box.
    inputs[slots[i].input] = value.is_array() ? json{{"__value__", value}} : value;
  }
  return inputs;
}

actors::result<resolved> converter::resolve_input(const json& node, std::size_t index,
                                                  const std::string& type) {
  const std::string key = id_text(node["id"]) + "[I]" + std::to_string(index);
  if (!visited_.insert(key).second) {
    return fail(errc::invalid_input, describe_node(node) + " is part of a link loop");
  }
  const auto& inputs = node.value("inputs", json::array());
  if (!inputs.is_array() || index >= inputs.size()) {
    return resolved{};
  }
  const auto& input = inputs[index];
  const auto& link_id = input.value("link", json());
  if (link_id.is_null()) {
    return resolved{};
  }
  auto found = links_.find(id_text(link_id));
  if (found == links_.end() || nodes_.count(found->second.origin_id) == 0) {
    return fail(errc::invalid_input, describe_node(node) + " input " +
                                         input.value("name", std::string{"?"}) +
                                         " is linked to a node that is not in the file");
  }
  const json& origin = *nodes_.at(found->second.origin_id);
  return resolve_output(origin, found->second.origin_slot,
                        type.empty() ? slot_type(input) : type);
}

int converter::bypass_slot(const json& node, int slot, const std::string& type) const {
  const auto& inputs = node.value("inputs", json::array());
  const auto& outputs = node.value("outputs", json::array());
  const int count = inputs.is_array() ? static_cast<int>(inputs.size()) : 0;
  if (type.empty() || type == "*") {
    return count > slot ? slot : (count > 0 ? 0 : -1);
  }
  std::string output_type;
  if (outputs.is_array() && slot >= 0 && slot < static_cast<int>(outputs.size())) {
    output_type = slot_type(outputs[slot]);
  }
  // The input at the output's own index first, then the first input of the
  // exact type, then the first one that connects.
  if (slot < count && types_connect(slot_type(inputs[slot]), output_type) &&
      types_connect(slot_type(inputs[slot]), type)) {
    return slot;
  }
  for (int i = 0; i < count; ++i) {
    if (slot_type(inputs[i]) == type) {
      return i;
    }
  }
  for (int i = 0; i < count; ++i) {
    if (types_connect(slot_type(inputs[i]), output_type) &&
        types_connect(slot_type(inputs[i]), type)) {
      return i;
    }
  }
  return -1;
}

actors::result<resolved> converter::resolve_output(const json& node, int slot,
                                                   const std::string& type) {
  const std::string key = id_text(node["id"]) + "[O]" + std::to_string(slot);
  if (!visited_.insert(key).second) {
    return fail(errc::invalid_input, describe_node(node) + " is part of a link loop");
  }
  const std::string node_type = node["type"].get<std::string>();
  if (node.value("mode", 0) == mode_bypass) {
    int index = bypass_slot(node, slot, type);
    if (index < 0) {
      return resolved{};
    }
    return resolve_input(node, static_cast<std::size_t>(index), {});
  }
  if (node_type == "PrimitiveNode") {
    // The frontend copies the primitive's value into the widgets it feeds.
    const auto& values = node.value("widgets_values", json::array());
    resolved out;
    if (values.is_array() && !values.empty()) {
      out.what = resolved::kind::value;
      out.value = values[0];
    }
    return out;
  }
  if (is_virtual(node_type)) {
    return resolve_input(node, static_cast<std::size_t>(slot), type);
  }
  resolved out;
  out.what = resolved::kind::output;
  out.origin_id = id_text(node["id"]);
  out.origin_slot = slot;
  return out;
}

actors::result<json> converter::convert_node(const json& node) {
  DROVER_TRYV(check_node(node));
  json inputs = widget_inputs(node);

  const auto& slots = node.value("inputs", json::array());
  for (std::size_t i = 0; slots.is_array() && i < slots.size(); ++i) {
    visited_.clear();
    DROVER_TRY(source, resolve_input(node, i, {}));
    const std::string name = slots[i].value("name", std::string{});
    if (source.what == resolved::kind::value) {
      inputs[name] =
          source.value.is_array() ? json{{"__value__", source.value}} : source.value;
    } else if (source.what == resolved::kind::output) {
      inputs[name] = json::array({source.origin_id, source.origin_slot});
    }
  }

  const std::string type = node["type"].get<std::string>();
  std::string title = node.value("title", std::string{});
  if (title.empty()) {
    const auto& display = object_info_[type].value("display_name", json());
    title = display.is_string() && !display.get<std::string>().empty()
                ? display.get<std::string>()
                : type;
  }
  return json{{"inputs", inputs}, {"class_type", type}, {"_meta", {{"title", title}}}};
}

std::vector<std::string> converter::dependency_order(const json& prompt) const {
  // Kahn's algorithm; among ready nodes the editor's own execution order
  // (`order`), then the id, decides.
  auto rank = [&](const std::string& id) {
    return std::make_pair(nodes_.at(id)->value("order", 0), id);
  };
  std::map<std::string, std::set<std::string>> waits_on;
  for (const auto& item : prompt.items()) {
    waits_on[item.key()];
    for (const auto& input : item.value()["inputs"].items()) {
      if (input.value().is_array() && input.value().size() == 2) {
        waits_on[item.key()].insert(input.value()[0].get<std::string>());
      }
    }
  }
  std::vector<std::string> order;
  while (!waits_on.empty()) {
    const std::string* best = nullptr;
    for (const auto& entry : waits_on) {
      if (entry.second.empty() && (best == nullptr || rank(entry.first) < rank(*best))) {
        best = &entry.first;
      }
    }
    if (best == nullptr) {
      break;  // a cycle between real nodes: left for the farm to refuse
    }
    const std::string id = *best;
    order.push_back(id);
    waits_on.erase(id);
    for (auto& entry : waits_on) {
      entry.second.erase(id);
    }
  }
  for (const auto& entry : waits_on) {
    order.push_back(entry.first);
  }
  return order;
}

actors::result<json> converter::run() {
  DROVER_TRYV(index_graph());

  json prompt = json::object();
  for (const auto& node : editor_["nodes"]) {
    int mode = node.value("mode", 0);
    if (mode == mode_never || mode == mode_bypass ||
        is_virtual(node["type"].get<std::string>())) {
      continue;
    }
    DROVER_TRY(converted, convert_node(node));
    prompt[id_text(node["id"])] = std::move(converted);
  }

  // Links to dropped (muted) nodes go, as the frontend drops them.
  for (auto& item : prompt.items()) {
    auto& inputs = item.value()["inputs"];
    std::vector<std::string> dangling;
    for (const auto& input : inputs.items()) {
      const auto& value = input.value();
      if (value.is_array() && value.size() == 2 && value[0].is_string() &&
          !prompt.contains(value[0].get<std::string>())) {
        dangling.push_back(input.key());
      }
    }
    for (const auto& name : dangling) {
      inputs.erase(name);
    }
  }

  json ordered = json::object();
  for (const auto& id : dependency_order(prompt)) {
    ordered[id] = std::move(prompt[id]);
  }
  return ordered;
}

}  // namespace

bool is_editor_format(const json& workflow) {
  return workflow.is_object() && workflow.contains("nodes") &&
         workflow["nodes"].is_array();
}

actors::result<json> editor_to_api(const json& editor, const json& object_info) {
  if (!is_editor_format(editor)) {
    return fail(errc::invalid_input, "not an editor workflow: no nodes array");
  }
  if (!object_info.is_object()) {
    return fail(errc::invalid_input, "object_info is not a JSON object");
  }
  // Fields of the wrong JSON type (a string mode, an input that is not an
  // object) make nlohmann throw; the file is refused, nothing crashes.
  try {
    converter run{editor, object_info};
    return run.run();
  } catch (const json::exception& e) {
    return fail(errc::invalid_input, std::string{"a malformed editor file: "} + e.what());
  }
}

}  // namespace drover::client
