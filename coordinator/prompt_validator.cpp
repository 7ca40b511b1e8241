#include "coordinator/prompt_validator.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "actors/store_protocol.hpp"
#include "coordinator/input_files.hpp"
#include "coordinator/python_value.hpp"

namespace drover::coordinator {

namespace {

using actors::prompt_rejection;

/// Tracebacks name the frames of ComfyUI v0.8.0's execution.py whose logic is
/// reproduced here; clients only display them.
constexpr int line_read_inputs = 755;
constexpr int line_linked_class = 818;
constexpr int line_return_type = 820;
constexpr int line_inner_call = 838;
constexpr int line_min_check = 899;
constexpr int line_max_check = 912;
constexpr int line_custom_check = 965;
constexpr int line_validate_prompt = 1043;

std::string traceback_frame(int line, const char* function) {
  return "  File \"ComfyUI/execution.py\", line " + std::to_string(line) + ", in " +
         function + "\n    <source line omitted>\n";
}

/// A Python exception escaping `validate_inputs`.
struct py_exception {
  std::string type;
  std::string message;
  int line = 0;
};

struct verdict {
  bool valid = true;
  json reasons = json::array();
};

struct input_spec {
  std::string name;
  bool required = false;
  json type;
  json extra = json::object();
};

/// The specs of a class's required and optional inputs, in `input_order`
/// when the catalog gives one (the catalog's own key order otherwise).
std::vector<input_spec> input_specs(const json& entry) {
  std::vector<input_spec> specs;
  const auto input = entry.value("input", json::object());
  const auto order = entry.value("input_order", json::object());
  for (const char* category : {"required", "optional"}) {
    auto section = input.value(category, json::object());
    if (!section.is_object()) {
      continue;
    }
    std::vector<std::string> names;
    if (order.contains(category) && order[category].is_array()) {
      for (const auto& name : order[category]) {
        if (name.is_string() && section.contains(name.get<std::string>())) {
          names.push_back(name.get<std::string>());
        }
      }
    }
    for (const auto& [name, _] : section.items()) {
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
    for (const auto& name : names) {
      const auto& info = section[name];
      input_spec spec;
      spec.name = name;
      spec.required = std::string{category} == "required";
      if (info.is_array() && !info.empty()) {
        spec.type = info[0];
        if (info.size() > 1 && info[1].is_object()) {
          spec.extra = info[1];
        }
      }
      specs.push_back(std::move(spec));
    }
  }
  return specs;
}

/// validate_node_input (comfy_execution/validation.py), non-strict.
bool types_match(const json& received, const json& wanted) {
  if (received == wanted) {
    return true;
  }
  if (received == "*" || wanted == "*") {
    return true;
  }
  if (received == "COMFY_MATCHTYPE_V3" || wanted == "COMFY_MATCHTYPE_V3") {
    return true;
  }
  if (received.is_array() && wanted == "COMBO") {
    return true;
  }
  if (!received.is_string() || !wanted.is_string()) {
    return false;
  }
  auto split = [](const std::string& text) {
    std::unordered_set<std::string> parts;
    std::size_t start = 0;
    while (true) {
      auto comma = text.find(',', start);
      auto part = text.substr(start, comma == std::string::npos ? comma : comma - start);
      auto first = part.find_first_not_of(" \t\n\r");
      auto last = part.find_last_not_of(" \t\n\r");
      parts.insert(first == std::string::npos ? ""
                                              : part.substr(first, last - first + 1));
      if (comma == std::string::npos) {
        return parts;
      }
      start = comma + 1;
    }
  };
  auto have = split(received.get<std::string>());
  auto want = split(wanted.get<std::string>());
  if (have.count("*") || want.count("*")) {
    return true;
  }
  return std::any_of(have.begin(), have.end(),
                     [&](const auto& t) { return want.count(t); });
}

/// A class entry written by ComfyUI's V3 schema keeps RETURN_TYPES in a list,
/// a V1 class in a tuple; Python names the container in its index errors.
std::string return_container(const json& entry) {
  return entry.contains("api_node") ? "list" : "tuple";
}

json input_config(const input_spec& spec) {
  return json::array({spec.type, spec.extra});
}

json error_entry(std::string type, std::string message, std::string details,
                 json extra_info) {
  json e = json::object();
  e["type"] = std::move(type);
  e["message"] = std::move(message);
  e["details"] = std::move(details);
  e["extra_info"] = std::move(extra_info);
  return e;
}

/// One `validate_inputs` call in progress.
struct frame {
  std::string id;
  const json* entry = nullptr;
  std::vector<input_spec> specs;
  std::size_t next = 0;
  json errors = json::array();
  bool valid = true;
  bool awaiting_child = false;
};

class validator {
 public:
  validator(const json& prompt, const validation_context& context)
      : prompt_(prompt), context_(context) {}

  validation_result run(const std::optional<std::vector<std::string>>& targets);

 private:
  /// What processing one input asks for next.
  struct step {
    std::optional<py_exception> raised;
    std::optional<std::string> child;  ///< validate this linked node first
  };

  std::optional<prompt_rejection> check_classes(
      std::vector<std::string>& outputs,
      const std::optional<std::vector<std::string>>& targets);
  std::optional<py_exception> validate_output(const std::string& id);
  std::optional<py_exception> open_frame(const std::string& id, frame& out);
  step process_input(frame& f);
  step process_link(frame& f, const input_spec& spec, const json& value);
  std::optional<py_exception> process_constant(frame& f, const input_spec& spec,
                                               json& value);
  std::optional<py_exception> check_file(frame& f);
  void finish(frame& f);
  void record(const std::string& id, verdict v);
  void record_node_errors(const std::string& output);

  json& node(const std::string& id) { return *nodes_.at(id); }
  const json* class_entry(const std::string& class_type);

  json prompt_;
  const validation_context& context_;
  // ordered_json finds keys by linear search: index the prompt and catalog once.
  std::unordered_map<std::string, json*> nodes_;
  std::unordered_map<std::string, const json*> entries_;  ///< node id → class entry
  std::unordered_map<std::string, const json*> classes_;  ///< class name → entry
  std::unordered_map<const json*, std::optional<std::vector<input_spec>>> specs_;
  std::vector<frame> stack_;
  std::unordered_set<std::string> on_stack_;
  std::unordered_map<std::string, verdict> validated_;
  std::vector<std::string> validated_order_;  ///< Python dict insertion order
  json node_errors_ = json::object();
};

std::optional<prompt_rejection> validator::check_classes(
    std::vector<std::string>& outputs,
    const std::optional<std::vector<std::string>>& targets) {
  auto invalid = [](std::string message, const std::string& id) {
    prompt_rejection r;
    r.type = "invalid_prompt";
    r.message = std::move(message);
    r.details = "Node ID '#" + id + "'";
    return r;
  };
  for (auto& [id, node] : prompt_.items()) {
    if (!node.is_object() || !node.contains("class_type")) {
      return invalid("Cannot execute because a node is missing the class_type property.",
                     id);
    }
    const auto& class_type = node["class_type"];
    const auto* entry =
        class_type.is_string() ? class_entry(class_type.get<std::string>()) : nullptr;
    if (!entry) {
      return invalid(
          "Cannot execute because node " + python_str(class_type) + " does not exist.",
          id);
    }
    if (auto inputs = node.find("inputs"); inputs != node.end() && !inputs->is_object()) {
      return invalid("Cannot execute because a node's inputs are not an object.", id);
    }
    nodes_[id] = &node;
    entries_[id] = entry;
    bool wanted = !targets || std::count(targets->begin(), targets->end(), id) > 0;
    if (entry->value("output_node", false) == true && wanted) {
      outputs.push_back(id);
    }
  }
  return std::nullopt;
}

const json* validator::class_entry(const std::string& class_type) {
  auto cached = classes_.find(class_type);
  if (cached != classes_.end()) {
    return cached->second;
  }
  auto it = context_.catalog->find(class_type);
  const json* entry = it == context_.catalog->end() ? nullptr : &*it;
  classes_.emplace(class_type, entry);
  return entry;
}

std::optional<py_exception> validator::open_frame(const std::string& id, frame& out) {
  if (!node(id).contains("inputs")) {
    return py_exception{"KeyError", "'inputs'", line_read_inputs};
  }
  out.id = id;
  out.entry = entries_.at(id);
  auto& specs = specs_[out.entry];
  if (!specs) {
    specs = input_specs(*out.entry);
  }
  out.specs = *specs;
  return std::nullopt;
}

validator::step validator::process_input(frame& f) {
  const auto& spec = f.specs[f.next];
  auto& inputs = node(f.id)["inputs"];
  if (f.awaiting_child) {
    f.awaiting_child = false;
    auto child = inputs[spec.name][0].get<std::string>();
    if (!validated_[child].valid) {
      f.valid = false;
    }
    ++f.next;
    return {};
  }
  if (!inputs.contains(spec.name)) {
    if (spec.required) {
      f.errors.push_back(error_entry("required_input_missing",
                                     "Required input is missing", spec.name,
                                     {{"input_name", spec.name}}));
    }
    ++f.next;
    return {};
  }
  auto& value = inputs[spec.name];
  if (value.is_array()) {
    return process_link(f, spec, value);
  }
  auto raised = process_constant(f, spec, value);
  ++f.next;
  return {raised, std::nullopt};
}

validator::step validator::process_link(frame& f, const input_spec& spec,
                                        const json& value) {
  if (value.size() != 2) {
    f.errors.push_back(error_entry(
        "bad_linked_input",
        "Bad linked input, must be a length-2 list of [node_id, slot_index]", spec.name,
        {{"input_name", spec.name},
         {"input_config", input_config(spec)},
         {"received_value", value}}));
    ++f.next;
    return {};
  }

  // prompt[o_id]['class_type'], then RETURN_TYPES[val[1]], as Python raises them.
  const auto& source = value[0];
  if (source.is_array() || source.is_object()) {
    return {
        py_exception{"TypeError", "unhashable type: '" + python_type_name(source) + "'",
                     line_linked_class},
        std::nullopt};
  }
  if (!source.is_string() || nodes_.count(source.get<std::string>()) == 0) {
    return {py_exception{"KeyError", python_repr(source), line_linked_class},
            std::nullopt};
  }
  auto child = source.get<std::string>();
  const auto& child_entry = *entries_.at(child);
  auto returns = child_entry.value("output", json::array());
  const auto& index = value[1];
  if (!index.is_number_integer() && !index.is_number_unsigned() && !index.is_boolean()) {
    return {py_exception{"TypeError",
                         return_container(child_entry) +
                             " indices must be integers or slices, not " +
                             python_type_name(index),
                         line_return_type},
            std::nullopt};
  }
  auto position = index.is_boolean() ? (index.get<bool>() ? 1 : 0)
                  : index.is_number_unsigned()
                      ? static_cast<std::int64_t>(std::min<std::uint64_t>(
                            index.get<std::uint64_t>(), INT64_MAX))
                      : index.get<std::int64_t>();
  auto count = static_cast<std::int64_t>(returns.size());
  if (position < -count || position >= count) {
    return {
        py_exception{"IndexError", return_container(child_entry) + " index out of range",
                     line_return_type},
        std::nullopt};
  }
  const auto& received = returns[position < 0 ? position + count : position];
  if (!types_match(received, spec.type)) {
    f.errors.push_back(
        error_entry("return_type_mismatch", "Return type mismatch between linked nodes",
                    spec.name + ", received_type(" + python_str(received) +
                        ") mismatch input_type(" + python_str(spec.type) + ")",
                    {{"input_name", spec.name},
                     {"input_config", input_config(spec)},
                     {"received_type", received},
                     {"linked_node", value}}));
    ++f.next;
    return {};
  }

  if (auto done = validated_.find(child); done != validated_.end()) {
    if (!done->second.valid) {
      f.valid = false;
    }
    ++f.next;
    return {};
  }
  if (on_stack_.count(child)) {
    // A static cycle: ComfyUI v0.8.0 recursed until Python gave up; newer
    // versions report the cycle on the node that closes it.
    json cycle = json::array();
    auto start = std::find_if(stack_.begin(), stack_.end(),
                              [&](const frame& fr) { return fr.id == child; });
    for (auto it = start; it != stack_.end(); ++it) {
      cycle.push_back(it->id);
    }
    std::string path;
    for (const auto& id : cycle) {
      path += id.get<std::string>() + " -> ";
    }
    f.errors.push_back(error_entry("dependency_cycle", "Dependency cycle detected",
                                   spec.name + ": " + path + child,
                                   {{"node_id", f.id}, {"cycle_nodes", cycle}}));
    ++f.next;
    return {};
  }
  f.awaiting_child = true;
  return {std::nullopt, child};
}

std::optional<py_exception> validator::process_constant(frame& f, const input_spec& spec,
                                                        json& value) {
  if (value.is_object() && value.contains("__value__")) {
    json unwrapped = value["__value__"];
    value = std::move(unwrapped);
  }

  python_conversion converted{value, ""};
  if (spec.type == "INT") {
    converted = python_int(value);
  } else if (spec.type == "FLOAT") {
    converted = python_float(value);
  } else if (spec.type == "STRING") {
    converted = python_string(value);
  } else if (spec.type == "BOOLEAN") {
    converted = python_bool(value);
  }
  if (!converted.value) {
    f.errors.push_back(error_entry(
        "invalid_input_type",
        "Failed to convert an input value to a " + python_str(spec.type) + " value",
        spec.name + ", " + python_str(value) + ", " + converted.exception_message,
        {{"input_name", spec.name},
         {"input_config", input_config(spec)},
         {"received_value", value},
         {"exception_message", converted.exception_message}}));
    return std::nullopt;
  }
  value = *converted.value;

  auto check = store_input_of(node(f.id)["class_type"].get<std::string>());
  if (check && spec.name == check->input) {
    return std::nullopt;  // VALIDATE_INPUTS takes this input: ComfyUI skips the checks
                          // below
  }
  std::string type_error;
  if (auto min = spec.extra.find("min"); min != spec.extra.end()) {
    auto below = python_less(value, *min, type_error);
    if (!below) {
      return py_exception{"TypeError", type_error, line_min_check};
    }
    if (*below) {
      f.errors.push_back(error_entry(
          "value_smaller_than_min",
          "Value " + python_str(value) + " smaller than min of " + python_str(*min),
          spec.name,
          {{"input_name", spec.name},
           {"input_config", input_config(spec)},
           {"received_value", value}}));
      return std::nullopt;
    }
  }
  if (auto max = spec.extra.find("max"); max != spec.extra.end()) {
    auto above = python_less(*max, value, type_error);
    if (!above) {
      return py_exception{"TypeError",
                          "'>' not supported between instances of '" +
                              python_type_name(value) + "' and '" +
                              python_type_name(*max) + "'",
                          line_max_check};
    }
    if (*above) {
      f.errors.push_back(error_entry(
          "value_bigger_than_max",
          "Value " + python_str(value) + " bigger than max of " + python_str(*max),
          spec.name,
          {{"input_name", spec.name},
           {"input_config", input_config(spec)},
           {"received_value", value}}));
      return std::nullopt;
    }
  }

  if (spec.type.is_array() || spec.type == "COMBO") {
    json options =
        spec.type.is_array() ? spec.type : spec.extra.value("options", json::array());
    if (!options.is_array()) {
      options = json::array();
    }
    bool found = std::any_of(options.begin(), options.end(),
                             [&](const json& o) { return python_equal(value, o); });
    if (!found) {
      bool long_list = options.size() > 20;
      std::string list_info =
          long_list ? "(list of length " + std::to_string(options.size()) + ")"
                    : python_repr(options);
      f.errors.push_back(
          error_entry("value_not_in_list", "Value not in list",
                      spec.name + ": '" + python_str(value) + "' not in " + list_info,
                      {{"input_name", spec.name},
                       {"input_config", long_list ? json(nullptr) : input_config(spec)},
                       {"received_value", value}}));
    }
  }
  return std::nullopt;
}

/// ComfyUI's VALIDATE_INPUTS of the file-loading classes: the named file must
/// exist (`folder_paths.exists_annotated_filepath`).
std::optional<py_exception> validator::check_file(frame& f) {
  const auto class_type = node(f.id)["class_type"].get<std::string>();
  const auto* check = store_input_of(class_type);
  if (!check || !context_.file_exists) {
    return std::nullopt;
  }
  const auto& inputs = node(f.id)["inputs"];
  auto it = inputs.find(check->input);
  if (it == inputs.end() || it->is_array()) {
    // Python passes linked inputs as absent, and the call then lacks its argument.
    return py_exception{
        "TypeError",
        class_type + ".VALIDATE_INPUTS() missing 1 required positional argument: '" +
            check->input + "'",
        line_custom_check};
  }
  if (!it->is_string()) {
    return py_exception{
        "AttributeError",
        "'" + python_type_name(*it) + "' object has no attribute 'endswith'",
        line_custom_check};
  }

  auto name = it->get<std::string>();
  std::string type = "input";
  for (const char* annotated : {"output", "input", "temp"}) {
    auto suffix = std::string{" ["} + annotated + "]";
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      name.erase(name.size() - suffix.size());
      type = annotated;
      break;
    }
  }
  auto slash = name.rfind('/');
  actors::store_file file{type, slash == std::string::npos ? "" : name.substr(0, slash),
                          slash == std::string::npos ? name : name.substr(slash + 1)};
  bool exists =
      actors::check_store_file(file).has_value() && context_.file_exists(type, name);
  if (!exists) {
    f.errors.push_back(error_entry("custom_validation_failed",
                                   "Custom validation failed for node",
                                   std::string{check->input} + " - " +
                                       check->invalid_message + it->get<std::string>(),
                                   {{"input_name", check->input}}));
  }
  return std::nullopt;
}

void validator::record(const std::string& id, verdict v) {
  if (validated_.count(id) == 0) {
    validated_order_.push_back(id);
  }
  validated_[id] = std::move(v);
}

void validator::finish(frame& f) {
  verdict v;
  v.valid = f.valid && f.errors.empty();
  v.reasons = std::move(f.errors);
  record(f.id, std::move(v));
}

/// Runs validate_inputs(o) without recursion: the stack holds the calls in
/// progress. An exception escaping a linked node is caught by its caller,
/// which records it on that node, as the Python code does.
std::optional<py_exception> validator::validate_output(const std::string& id) {
  if (validated_.count(id)) {
    return std::nullopt;
  }
  frame root;
  if (auto raised = open_frame(id, root)) {
    return raised;
  }
  stack_.push_back(std::move(root));
  on_stack_.insert(id);

  while (!stack_.empty()) {
    auto& f = stack_.back();
    std::optional<py_exception> raised;
    std::optional<std::string> child;
    if (f.next < f.specs.size()) {
      auto s = process_input(f);
      raised = std::move(s.raised);
      child = std::move(s.child);
    } else if (!(raised = check_file(f))) {
      finish(f);
      on_stack_.erase(f.id);
      stack_.pop_back();
      continue;
    }

    if (child) {
      frame next;
      raised = open_frame(*child, next);
      if (!raised) {
        on_stack_.insert(*child);
        stack_.push_back(std::move(next));
        continue;
      }
      // The child raised before doing anything: treat it as its own frame.
      frame failed;
      failed.id = *child;
      stack_.push_back(std::move(failed));
      on_stack_.insert(*child);
    }
    if (!raised) {
      continue;
    }

    auto failed_id = stack_.back().id;
    on_stack_.erase(failed_id);
    stack_.pop_back();
    if (stack_.empty()) {
      return raised;
    }
    auto& caller = stack_.back();
    const auto& spec = caller.specs[caller.next];
    const auto& link = node(caller.id)["inputs"][spec.name];
    verdict v;
    v.valid = false;
    v.reasons.push_back(error_entry(
        "exception_during_inner_validation", "Exception when validating inner node",
        raised->message,
        {{"input_name", spec.name},
         {"input_config", input_config(spec)},
         {"exception_message", raised->message},
         {"exception_type", raised->type},
         {"traceback", json::array({traceback_frame(line_inner_call, "validate_inputs"),
                                    traceback_frame(raised->line, "validate_inputs")})},
         {"linked_node", link}}));
    record(failed_id, std::move(v));
    caller.awaiting_child = false;
    caller.valid = false;
    ++caller.next;
  }
  return std::nullopt;
}

/// The failing nodes with reasons, each naming the outputs that failed while
/// it was known to be bad. Like ComfyUI, this walks every node validated so
/// far, so a node can list an output it does not feed.
void validator::record_node_errors(const std::string& output) {
  for (const auto& id : validated_order_) {
    const auto& v = validated_[id];
    if (v.valid || v.reasons.empty()) {
      continue;
    }
    if (!node_errors_.contains(id)) {
      json entry = json::object();
      entry["errors"] = v.reasons;
      entry["dependent_outputs"] = json::array();
      entry["class_type"] = node(id)["class_type"];
      node_errors_[id] = std::move(entry);
    }
    node_errors_[id]["dependent_outputs"].push_back(output);
  }
}

validation_result validator::run(const std::optional<std::vector<std::string>>& targets) {
  if (!prompt_.is_object()) {
    prompt_rejection r;
    r.type = "invalid_prompt";
    r.message = "Prompt must be an object of nodes";
    r.details = std::string{"got "} + prompt_.type_name();
    return r;
  }
  std::vector<std::string> outputs;
  if (auto rejected = check_classes(outputs, targets)) {
    return *rejected;
  }
  if (outputs.empty()) {
    prompt_rejection r;
    r.type = "prompt_no_outputs";
    r.message = "Prompt has no outputs";
    return r;
  }

  validated_prompt accepted;
  std::vector<std::string> failure_details;
  for (const auto& output : outputs) {
    if (auto raised = validate_output(output)) {
      stack_.clear();
      on_stack_.clear();
      verdict v;
      v.valid = false;
      v.reasons.push_back(error_entry(
          "exception_during_validation", "Exception when validating node",
          raised->message,
          {{"exception_type", raised->type},
           {"traceback",
            json::array({traceback_frame(line_validate_prompt, "validate_prompt"),
                         traceback_frame(raised->line, "validate_inputs")})}}));
      record(output, std::move(v));
    }
    const auto& v = validated_[output];
    if (v.valid) {
      accepted.outputs.push_back(output);
      continue;
    }
    for (const auto& reason : v.reasons) {
      failure_details.push_back(reason["message"].get<std::string>() + ": " +
                                reason["details"].get<std::string>());
    }
    record_node_errors(output);
  }

  if (accepted.outputs.empty()) {
    prompt_rejection r;
    r.type = "prompt_outputs_failed_validation";
    r.message = "Prompt outputs failed validation";
    for (std::size_t i = 0; i < failure_details.size(); ++i) {
      r.details += (i ? "\n" : "") + failure_details[i];
    }
    r.node_errors = std::move(node_errors_);
    return r;
  }
  accepted.node_errors = std::move(node_errors_);
  accepted.prompt = std::move(prompt_);
  return accepted;
}

}  // namespace

validation_result validate_prompt(
    const json& prompt, const validation_context& context,
    const std::optional<std::vector<std::string>>& targets) {
  static const json empty_catalog = json::object();
  validation_context checked = context;
  if (!checked.catalog || !checked.catalog->is_object()) {
    checked.catalog = &empty_catalog;
  }
  validator v{prompt, checked};
  return v.run(targets);
}

}  // namespace drover::coordinator
