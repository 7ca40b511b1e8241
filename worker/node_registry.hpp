#pragma once

#include <map>
#include <string>
#include <string_view>

#include "actors/json.hpp"
#include "actors/result.hpp"
#include "worker/node_definition.hpp"

namespace drover::worker {

/// The node classes a worker can run. Filled at start-up by node packs, then
/// only read, from any thread.
class node_registry {
 public:
  /// Adds `definition`. Fails with errc::invalid_input when the class name is
  /// empty, already registered, or the definition has no function.
  actors::result<void> add(node_definition definition);

  /// The class called `class_type`, or nullptr.
  const node_definition* find(std::string_view class_type) const;

  std::size_t size() const { return classes_.size(); }

  /// `GET /object_info` for every registered class, keyed by class name.
  json object_info() const;

 private:
  std::map<std::string, node_definition, std::less<>> classes_;
};

}  // namespace drover::worker
