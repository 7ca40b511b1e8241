#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/json.hpp"

namespace drover::gateway {

/// The jobs view of ComfyUI's queue and history (comfyui-protocol.md §2.1,
/// `/api/jobs`), built from the JSON of `GET /queue` and `GET /history`.
/// Pure functions: the routes fetch, these map.

/// `GET /api/jobs` query parameters, checked.
struct jobs_query {
  std::optional<std::vector<std::string>> statuses;  ///< nullopt: every status
  std::optional<std::string> workflow_id;
  bool by_duration = false;  ///< sort_by=execution_duration, else created_at
  bool descending = true;
  std::optional<std::int64_t> limit;
  std::int64_t offset = 0;
};

/// Reads the query as ComfyUI does; an error is the text of the 400
/// `{"error": …}` answer.
struct jobs_query_parse {
  std::optional<jobs_query> query;
  std::string error;
};
jobs_query_parse parse_jobs_query(const std::map<std::string, std::string>& params);

/// `{"jobs": […], "pagination": {offset, limit, total, has_more}}` from the
/// `GET /queue` body and the `GET /history` body. Malformed items are
/// skipped, never trusted.
json list_jobs(const json& queue, const json& history, const jobs_query& query);

/// One job with its outputs, execution_status and workflow when it is in
/// `history`, else its queue entry; nullopt when it is in neither.
std::optional<json> find_job(const std::string& id, const json& queue,
                             const json& history);

/// Where `id` stands in the queue: "in_progress", "pending", or "".
std::string queue_state(const std::string& id, const json& queue);

/// A canonical lowercase hyphenated UUID, as ComfyUI's job ids are.
bool is_job_id(const std::string& id);

}  // namespace drover::gateway
