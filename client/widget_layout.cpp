#include "client/widget_layout.hpp"

namespace drover::client {

namespace {

bool is_combo(const json& type) {
  return type.is_array() || type == "COMBO";
}

bool is_widget_type(const json& type) {
  return is_combo(type) || type == "INT" || type == "FLOAT" || type == "STRING" ||
         type == "BOOLEAN";
}

/// The frontend adds a value-control widget after INT and combo widgets that
/// ask for one; INT inputs named seed or noise_seed ask by default.
bool has_control_widget(const std::string& name, const json& type, const json& options) {
  if (type == "INT") {
    if (options.contains("control_after_generate")) {
      const auto& control = options["control_after_generate"];
      return control.is_string() || (control.is_boolean() && control.get<bool>());
    }
    return name == "seed" || name == "noise_seed";
  }
  if (is_combo(type) && options.contains("control_after_generate")) {
    const auto& control = options["control_after_generate"];
    return control.is_string() || (control.is_boolean() && control.get<bool>());
  }
  return false;
}

bool has_upload_widget(const json& options) {
  for (const char* key : {"image_upload", "video_upload", "audio_upload"}) {
    if (options.contains(key) && options[key] == true) {
      return true;
    }
  }
  return false;
}

/// The input names of one section ("required", "optional") in display order.
std::vector<std::string> section_order(const json& class_info,
                                       const std::string& section) {
  std::vector<std::string> names;
  const auto& order = class_info.value("input_order", json::object());
  if (order.is_object() && order.contains(section) && order[section].is_array()) {
    for (const auto& name : order[section]) {
      if (name.is_string()) {
        names.push_back(name.get<std::string>());
      }
    }
    return names;
  }
  const auto& inputs = class_info.value("input", json::object());
  if (inputs.is_object() && inputs.contains(section) && inputs[section].is_object()) {
    for (const auto& item : inputs[section].items()) {
      names.push_back(item.key());
    }
  }
  return names;
}

void add_input(std::vector<widget_slot>& slots, const std::string& name,
               const json& spec) {
  if (!spec.is_array() || spec.empty()) {
    return;
  }
  const json& type = spec[0];
  const json options = spec.size() > 1 && spec[1].is_object() ? spec[1] : json::object();
  if (!is_widget_type(type) || options.value("forceInput", false)) {
    return;
  }

  widget_slot slot{name, options.value("default", json())};
  // Without a default a combo starts on its first choice: listed in the
  // type itself, or (newer servers) in the `options` of a "COMBO" input.
  const json& choices = type.is_array() ? type : options.value("options", json::array());
  if (slot.default_value.is_null() && is_combo(type) && choices.is_array() &&
      !choices.empty()) {
    slot.default_value = choices[0];
  }
  slots.push_back(std::move(slot));
  if (has_control_widget(name, type, options)) {
    slots.push_back({"", json()});
  }
  if (has_upload_widget(options)) {
    slots.push_back({"", json()});
  }
}

}  // namespace

std::vector<widget_slot> widget_layout(const json& class_info) {
  std::vector<widget_slot> slots;
  if (!class_info.is_object()) {
    return slots;
  }
  const auto& inputs = class_info.value("input", json::object());
  for (const std::string section : {"required", "optional"}) {
    if (!inputs.is_object() || !inputs.contains(section)) {
      continue;
    }
    const auto& specs = inputs[section];
    for (const auto& name : section_order(class_info, section)) {
      if (specs.is_object() && specs.contains(name)) {
        add_input(slots, name, specs[name]);
      }
    }
  }
  return slots;
}

}  // namespace drover::client
