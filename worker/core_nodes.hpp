#pragma once

#include "actors/result.hpp"
#include "worker/node_api/node_pack.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers the native node pack: the ComfyUI core classes drover runs
/// natively (images and their transforms, compositing, noise and
/// post-processing; saving and loading images, animated PNG included; masks;
/// primitives and PreviewAny; strings; batches; latents). The testing nodes
/// are a separate pack (`register_testing_nodes`) that only a worker started
/// with `--enable-testing-nodes` adds. Fails when a class is already
/// registered.
actors::result<void> register_core_nodes(node_registry& registry);

/// The native node pack as a pack descriptor, so that the worker installs it
/// as it installs the packs it loads (`install_node_pack`).
const node_pack_descriptor& core_node_pack();

}  // namespace drover::worker
