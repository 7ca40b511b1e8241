#pragma once

#include <string>

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers ComfyUI's SaveImage (output folder, PNG compress level 4) and
/// PreviewImage (temp folder, level 1). Both write through the environment's
/// file sink, numbered with counters the sink reserves, and embed the prompt
/// and extra_pnginfo as PNG text chunks as ComfyUI does.
actors::result<void> register_save_nodes(node_registry& registry);

/// PreviewImage's file name prefix of this process: `ComfyUI_temp_` and five
/// random lowercase letters, chosen once per process as ComfyUI does.
const std::string& preview_prefix();

/// ComfyUI's folder_paths.get_save_image_path: expands `%width%`, `%height%`,
/// `%year%`… in `prefix`, normalises it and splits it into a subfolder and a
/// file name prefix. Fails with errc::invalid_input when the result would
/// leave the output folder. `width` and `height` are those of one image of
/// the batch, as ComfyUI's SaveImage passes them.
struct save_path {
  std::string subfolder;
  std::string filename;
};
actors::result<save_path> resolve_save_path(const std::string& prefix, std::int64_t width,
                                            std::int64_t height);

}  // namespace drover::worker
