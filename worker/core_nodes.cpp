#include "worker/core_nodes.hpp"

#include "worker/image_nodes.hpp"
#include "worker/save_nodes.hpp"

namespace drover::worker {

actors::result<void> register_core_nodes(node_registry& registry) {
  DROVER_TRYV(register_image_nodes(registry));
  DROVER_TRYV(register_save_nodes(registry));
  return actors::ok();
}

}  // namespace drover::worker
