#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gateway/routes.hpp"

namespace drover::gateway {

/// The part of `target` after `/api/jobs` ("" for the list, "/{id}",
/// "/{id}/cancel", "/cancel"), or nullopt when `target` is not a jobs
/// route. ComfyUI registers the route as `/api/jobs` itself, so it is served
/// there and under `/api/api/jobs`, never bare.
std::optional<std::string> jobs_route(std::string_view target);

/// `GET /api/jobs[/{id}]` and `POST /api/jobs/{id}/cancel`,
/// `POST /api/jobs/cancel` (comfyui-protocol.md §2.1), built from the
/// coordinator's queue and history answers. Refusals carry
/// `{"error": "<text>"}`.
void handle_jobs(const http_request& request, const std::string& route,
                 const std::map<std::string, std::string>& query, route_context& context,
                 reply_callback reply);

}  // namespace drover::gateway
