#pragma once

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers ComfyUI v0.8.0's latent classes of nodes.py: EmptyLatentImage,
/// LatentFromBatch, RepeatLatentBatch, LatentUpscale, LatentUpscaleBy,
/// SaveLatent (a `.latent` safetensors file in the output folder, as ComfyUI
/// writes it) and LoadLatent (reads one from the input folder through the
/// environment's file sink).
actors::result<void> register_latent_nodes(node_registry& registry);

}  // namespace drover::worker
