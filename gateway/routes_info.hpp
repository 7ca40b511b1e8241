#pragma once

#include <string>

#include "actors/json.hpp"
#include "gateway/routes.hpp"

namespace drover::gateway {

/// `GET /models` and `/models/{folder}` (comfyui-protocol.md §2.1): ComfyUI's
/// model folders, with any other folder a worker reported, and the files of
/// a folder as the union of what the farm's workers report
/// (`farm_workers`: the coordinator's `farm_query` answer, each worker's
/// `models` by folder); 404 for a folder neither ComfyUI nor a worker has.
http_reply models_reply(const std::string& path, const json& farm_workers);

/// True for `/models` and `/models/{folder}`.
bool is_models_path(const std::string& path);

/// `GET /`: a small page that names the farm and links its status routes,
/// served until drover can serve ComfyUI's own frontend.
http_reply index_page();

/// `POST /free`: ComfyUI sets flags its worker applies after the current
/// prompt; drover's coordinator has no message for it yet, so this answers
/// 200 and forwards nothing.
/// The flags of a `POST /free` body; unknown or malformed parts read false.
actors::free_memory free_request(const std::string& body);

}  // namespace drover::gateway
