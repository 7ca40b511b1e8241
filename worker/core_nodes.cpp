#include "worker/core_nodes.hpp"

#include "worker/animated_save_nodes.hpp"
#include "worker/batch_nodes.hpp"
#include "worker/image_composite_nodes.hpp"
#include "worker/image_nodes.hpp"
#include "worker/image_noise.hpp"
#include "worker/image_postprocessing_nodes.hpp"
#include "worker/image_transform_nodes.hpp"
#include "worker/latent_nodes.hpp"
#include "worker/load_image_nodes.hpp"
#include "worker/mask_nodes.hpp"
#include "worker/primitive_nodes.hpp"
#include "worker/save_nodes.hpp"
#include "worker/string_nodes.hpp"

namespace drover::worker {

actors::result<void> register_core_nodes(node_registry& registry) {
  DROVER_TRYV(register_image_nodes(registry));
  DROVER_TRYV(register_postprocessing_nodes(registry));
  DROVER_TRYV(register_transform_nodes(registry));
  DROVER_TRYV(register_composite_nodes(registry));
  DROVER_TRYV(register_noise_nodes(registry));
  DROVER_TRYV(register_save_nodes(registry));
  DROVER_TRYV(register_mask_nodes(registry));
  DROVER_TRYV(register_primitive_nodes(registry));
  DROVER_TRYV(register_string_nodes(registry));
  DROVER_TRYV(register_batch_nodes(registry));
  DROVER_TRYV(register_latent_nodes(registry));
  DROVER_TRYV(register_animated_save_nodes(registry));
  DROVER_TRYV(register_load_image_nodes(registry));
  return actors::ok();
}

const node_pack_descriptor& core_node_pack() {
  static const node_pack_descriptor pack{node_api_version, node_api_layout(),
                                         "drover-core", "0.1.0", &register_core_nodes};
  return pack;
}

}  // namespace drover::worker
