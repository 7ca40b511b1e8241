#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "actors/json.hpp"
#include "gateway/coordinator_link.hpp"
#include "gateway/file_source.hpp"

namespace drover::gateway {

/// The parts of an HTTP request the routes read, free of Beast.
struct http_request {
  std::string method;  ///< "GET", "POST", …
  std::string target;  ///< path and query, as sent
  std::string body;
  std::string host;          ///< Host header, "" when absent
  std::string origin;        ///< Origin header, "" when absent
  std::string content_type;  ///< Content-Type header, "" when absent
};

struct http_reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Called exactly once per request, on any thread.
using reply_callback = std::function<void(http_reply)>;

/// What the routes need from the rest of the gateway. The references must
/// outlive every request in flight.
struct route_context {
  coordinator_link& coordinator;
  file_source& files;
  /// The farm's queue length as the gateway last heard it; io thread only.
  std::function<std::uint64_t()> queue_remaining;
  /// prompt_streams::progress(); io thread only. May be empty.
  std::function<json()> prompt_progress;
  std::size_t max_upload_bytes = std::size_t{100} << 20;
};

/// Serves one HTTP request of ComfyUI's API (comfyui-protocol.md §2), at
/// its bare path and under `/api`. Only `/prompt` answers errors with a
/// JSON body; other refusals are bare statuses, as ComfyUI's are. Runs on
/// the io thread; slow work (coordinator, result store) answers later.
void handle_request(const http_request& request, route_context& context,
                    reply_callback reply);

/// ComfyUI's server feature flags (`GET /features`, the WebSocket answer).
std::string server_features_json(std::size_t max_upload_bytes);

/// Splits `a=1&b=x%20y` into decoded pairs; the first of repeated keys wins.
std::map<std::string, std::string> parse_query(std::string_view query);

/// The path of `target` without its query and without a leading `/api`.
std::string route_path(std::string_view target);

}  // namespace drover::gateway
