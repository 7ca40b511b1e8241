#pragma once

#include "actors/result.hpp"
#include "worker/node_api/node_pack.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers the native node pack: the ComfyUI core classes drover runs
/// (image_nodes, save_nodes). Fails when a class is already registered.
/// TODO(#3): masks, latents, primitives, strings and the testing nodes.
actors::result<void> register_core_nodes(node_registry& registry);

/// The native node pack as a pack descriptor, so that the worker installs it
/// as it installs the packs it loads (`install_node_pack`).
const node_pack_descriptor& core_node_pack();

}  // namespace drover::worker
