#pragma once

#include "gateway/routes.hpp"

namespace drover::gateway {

/// `POST /upload/image` (comfyui-protocol.md §5.4): stores the multipart
/// `image` part in the result store under `type` (input by default) and
/// `subfolder`. Without `overwrite` ("true" or "1") a file of that name with
/// the same bytes is reused and a different one moves the upload to
/// `name (1).ext`, `name (2).ext`, …. Answers `{"name","subfolder","type"}`;
/// a body that is not multipart, a missing or nameless `image` part, a bad
/// type, name or subfolder are 400.
void post_upload_image(const http_request& request, route_context& context,
                       reply_callback reply);

/// `POST /upload/mask`: as `post_upload_image`, but what is stored is the
/// file named by the JSON `original_ref` part with the upload's alpha laid
/// on it, as a PNG. A missing original is 404, one outside its folder 403.
void post_upload_mask(const http_request& request, route_context& context,
                      reply_callback reply);

}  // namespace drover::gateway
