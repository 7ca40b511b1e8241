#pragma once

// The loader inputs whose value names a file of the farm's result store
// (LoadImage.image, LoadLatent.latent, …): ComfyUI lists its input folder in
// their combos on every GET /object_info and checks in VALIDATE_INPUTS that
// the named file exists. In drover the input folder is the result store's, so
// the coordinator, which runs the store, fills these combos (nodes.py,
// v0.8.0) and checks the files; workers leave the combos empty.

#include <string>
#include <string_view>
#include <vector>

#include "actors/json.hpp"
#include "coordinator/content_types.hpp"

namespace drover::coordinator {

/// Which files of the input folder a loader input offers.
enum class input_listing {
  none,    ///< the input names a file of another folder; nothing is listed
  images,  ///< files that filter_files_content_types counts as images
  all,     ///< every file
  latents  ///< files ending in `.latent`
};

/// One loader input whose value is a file of the result store.
struct store_input {
  const char* class_type;
  const char* input;
  const char* invalid_message;  ///< VALIDATE_INPUTS' answer, before the name
  input_listing listing;
};

/// The loader input of `class_type`, or null when the class has none.
const store_input* store_input_of(std::string_view class_type);

/// Sets the combo of every loader input in `catalog` (class name →
/// `/object_info` entry) to ComfyUI's choice of `input_files`: the names of
/// the input folder's top-level files, sorted. Classes the catalog lacks are
/// skipped.
void fill_input_choices(json& catalog, const std::vector<std::string>& input_files,
                        const content_types& types);

}  // namespace drover::coordinator
