// A node pack whose register function adds one class and then throws: a
// worker must refuse the whole pack, the class it added included.

#include <stdexcept>

#include "worker/node_api/node_api.hpp"

using namespace drover::worker;

DROVER_NODE_PACK("throwing", "0.0.1") {
  node_definition d;
  d.class_type = "ThrowingPackNode";
  d.output_node = true;
  d.run = [](node_call&) -> node_outcome {
    return node_result{};
  };
  if (auto added = registry.add(std::move(d)); !added) {
    return added;
  }
  throw std::runtime_error("the throwing pack always throws");
}
