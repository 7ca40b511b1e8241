#include "actors/prompt_rejection.hpp"

namespace drover::actors {

json prompt_rejection::to_json() const {
  json error = json::object();
  error["type"] = type;
  error["message"] = message;
  error["details"] = details;
  error["extra_info"] = extra_info;
  json body = json::object();
  body["error"] = std::move(error);
  body["node_errors"] = node_errors;
  return body;
}

}  // namespace drover::actors
