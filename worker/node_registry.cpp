#include "worker/node_registry.hpp"

namespace drover::worker {

actors::result<void> node_registry::add(node_definition definition) {
  if (definition.class_type.empty()) {
    return actors::fail(actors::errc::invalid_input, "node class without a name");
  }
  if (!definition.run) {
    return actors::fail(actors::errc::invalid_input,
                        "node class " + definition.class_type + " has no function");
  }
  if (classes_.count(definition.class_type) != 0) {
    return actors::fail(actors::errc::invalid_input,
                        "node class " + definition.class_type + " is already registered");
  }
  auto name = definition.class_type;
  classes_.emplace(std::move(name), std::move(definition));
  return actors::ok();
}

const node_definition* node_registry::find(std::string_view class_type) const {
  auto it = classes_.find(class_type);
  return it == classes_.end() ? nullptr : &it->second;
}

json node_registry::object_info() const {
  json out = json::object();
  for (const auto& [name, definition] : classes_) {
    out[name] = definition.object_info();
  }
  return out;
}

}  // namespace drover::worker
