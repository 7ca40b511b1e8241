#include "actors/prompt_request.hpp"

#include <cmath>
#include <cstdlib>

namespace drover::actors {

namespace {

prompt_rejection bad_request(std::string message, std::string details) {
  prompt_rejection r;
  r.type = "invalid_prompt";
  r.message = std::move(message);
  r.details = std::move(details);
  return r;
}

std::string id_text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::optional<double> parse_number(const json& value) {
  if (value.is_number()) {
    return value.get<double>();
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    char* end = nullptr;
    double parsed = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == text.c_str() + text.size()) {
      return parsed;
    }
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& sensitive_extra_data_keys() {
  static const std::vector<std::string> keys = {"auth_token_comfy_org",
                                                "api_key_comfy_org"};
  return keys;
}

bool json_truthy(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return false;
    case json::value_t::boolean:
      return value.get<bool>();
    case json::value_t::number_integer:
      return value.get<std::int64_t>() != 0;
    case json::value_t::number_unsigned:
      return value.get<std::uint64_t>() != 0;
    case json::value_t::number_float:
      return value.get<double>() != 0.0;
    case json::value_t::string:
      // nlohmann's empty() is false for every string: look at the text.
      return !value.get_ref<const std::string&>().empty();
    case json::value_t::array:
    case json::value_t::object:
      return !value.empty();
    default:
      return true;
  }
}

prompt_request_result parse_prompt_request(std::string_view body) {
  auto parsed = json::parse(body.begin(), body.end(), nullptr, false);
  if (parsed.is_discarded()) {
    return bad_request("Request body is not valid JSON", "");
  }
  if (!parsed.is_object()) {
    return bad_request("Request body must be a JSON object", parsed.type_name());
  }
  if (!parsed.contains("prompt")) {
    prompt_rejection r;
    r.type = "no_prompt";
    r.message = "No prompt provided";
    r.details = "No prompt provided";
    return r;
  }

  prompt_request request;
  request.prompt = std::move(parsed["prompt"]);

  if (auto it = parsed.find("prompt_id"); it != parsed.end() && !it->is_null()) {
    request.prompt_id = id_text(*it);
    if (request.prompt_id.empty()) {
      return bad_request("prompt_id must not be empty", "");
    }
  }

  if (auto it = parsed.find("extra_data"); it != parsed.end()) {
    if (!it->is_object()) {
      return bad_request("extra_data must be an object", it->type_name());
    }
    request.extra_data = std::move(*it);
  }
  for (const auto& key : sensitive_extra_data_keys()) {
    if (auto it = request.extra_data.find(key); it != request.extra_data.end()) {
      request.sensitive[key] = std::move(*it);
      request.extra_data.erase(key);
    }
  }
  if (auto it = parsed.find("client_id"); it != parsed.end()) {
    request.extra_data["client_id"] = *it;
    if (!it->is_null()) {
      request.client_id = id_text(*it);
    }
  }

  if (auto it = parsed.find("number"); it != parsed.end()) {
    request.number = parse_number(*it);
    if (!request.number || !std::isfinite(*request.number)) {
      return bad_request("number must be a finite number", it->dump());
    }
  }
  if (auto it = parsed.find("front"); it != parsed.end()) {
    request.front = json_truthy(*it);
  }

  if (auto it = parsed.find("partial_execution_targets"); it != parsed.end()) {
    if (!it->is_array()) {
      return bad_request("partial_execution_targets must be a list of node ids",
                         it->type_name());
    }
    std::vector<std::string> targets;
    for (const auto& target : *it) {
      targets.push_back(id_text(target));
    }
    request.partial_execution_targets = std::move(targets);
  }
  return request;
}

}  // namespace drover::actors
