// A node pack that registers a new class and one the built-in pack already
// has (SaveImage): a worker must refuse the whole pack.

#include "worker/node_api/node_api.hpp"

using namespace drover::worker;

namespace {

node_definition trivial_class(std::string name) {
  node_definition d;
  d.class_type = std::move(name);
  d.output_node = true;
  d.run = [](node_call&) -> node_outcome {
    return node_result{};
  };
  return d;
}

}  // namespace

DROVER_NODE_PACK("duplicate-class", "0.0.1") {
  DROVER_TRYV(registry.add(trivial_class("DuplicatePackNode")));
  return registry.add(trivial_class("SaveImage"));
}
