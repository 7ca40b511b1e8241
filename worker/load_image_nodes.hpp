#pragma once

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers LoadImage and LoadImageMask (ComfyUI's nodes.py): they read an
/// uploaded file from the result store's `input` folder (or `output`/`temp`
/// with ComfyUI's " [output]" annotation) through the node environment's file
/// sink, and fingerprint its bytes (IS_CHANGED) so that a changed file runs
/// them again. PNG and APNG, JPEG and WebP are read, each frame turned by its
/// EXIF orientation as ImageOps.exif_transpose does; another format fails
/// with a ValueError.
actors::result<void> register_load_image_nodes(node_registry& registry);

}  // namespace drover::worker
