// A node pack that claims a node API version no worker has: a worker must
// refuse it before calling anything else of it.

#include "worker/node_api/node_api.hpp"

namespace {

drover::actors::result<void> register_nothing(drover::worker::node_registry&) {
  return drover::actors::ok();
}

}  // namespace

extern "C" __attribute__((visibility("default")))
const drover::worker::node_pack_descriptor*
drover_node_pack() {
  static const drover::worker::node_pack_descriptor descriptor{
      drover::worker::node_api_version + 1000, drover::worker::node_api_layout(),
      "wrong-version", "0.0.1", &register_nothing};
  return &descriptor;
}
