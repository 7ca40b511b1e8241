#include "gateway/jobs.hpp"

#include <algorithm>
#include <charconv>

namespace drover::gateway {

namespace {

constexpr const char* all_statuses[] = {"pending", "in_progress", "completed", "failed",
                                        "cancelled"};

std::optional<std::int64_t> to_int(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string> split_statuses(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto piece = text.substr(start, comma - start);
    piece.erase(0, piece.find_first_not_of(" \t"));
    piece.erase(piece.find_last_not_of(" \t") + 1);
    if (!piece.empty()) {
      out.push_back(piece);
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

bool known_status(const std::string& status) {
  return std::any_of(std::begin(all_statuses), std::end(all_statuses),
                     [&](const char* s) { return status == s; });
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : ", ") + item;
  }
  return out;
}

/// `object[key]` when `object` is an object holding it, else null.
const json& member(const json& object, const char* key) {
  static const json null_value;
  if (!object.is_object()) {
    return null_value;
  }
  auto it = object.find(key);
  return it == object.end() ? null_value : *it;
}

/// A 5-slot queue tuple [number, prompt_id, prompt, extra_data, outputs].
bool is_tuple(const json& item) {
  return item.is_array() && item.size() >= 5 && item[1].is_string();
}

json workflow_id_of(const json& extra_data) {
  const auto& id = member(member(member(extra_data, "extra_pnginfo"), "workflow"), "id");
  return id.is_string() ? id : json{};
}

/// Sets `job[key] = value` unless value is null, as ComfyUI's prune_dict.
void put(json& job, const char* key, const json& value) {
  if (!value.is_null()) {
    job[key] = value;
  }
}

json queue_job(const json& item, const char* status) {
  json job = json::object();
  job["id"] = item[1];
  job["status"] = status;
  put(job, "priority", item[0]);
  put(job, "create_time", member(item[3], "create_time"));
  job["outputs_count"] = 0;
  put(job, "workflow_id", workflow_id_of(item[3]));
  return job;
}

bool previewable(const std::string& media_type) {
  return media_type == "images" || media_type == "video" || media_type == "audio";
}

/// The number of output items and the one a client shows first: the first
/// previewable item of type output, else the first previewable one.
std::pair<std::int64_t, json> outputs_summary(const json& outputs) {
  std::int64_t count = 0;
  json preview;
  json fallback;
  if (!outputs.is_object()) {
    return {0, json{}};
  }
  for (const auto& [node_id, node_outputs] : outputs.items()) {
    if (!node_outputs.is_object()) {
      continue;
    }
    for (const auto& [media_type, items] : node_outputs.items()) {
      if (media_type == "animated" || !items.is_array()) {
        continue;
      }
      for (const auto& item : items) {
        if (!item.is_object()) {
          continue;
        }
        ++count;
        if (!preview.is_null() || !previewable(media_type)) {
          continue;
        }
        json enriched = item;
        enriched["nodeId"] = node_id;
        enriched["mediaType"] = media_type;
        if (member(item, "type") == "output") {
          preview = enriched;
        } else if (fallback.is_null()) {
          fallback = enriched;
        }
      }
    }
  }
  return {count, preview.is_null() ? fallback : preview};
}

json history_job(const std::string& id, const json& entry, bool with_details) {
  const json& tuple = member(entry, "prompt");
  const json& extra = is_tuple(tuple) ? tuple[3] : json{};
  const json& status_info = member(entry, "status");
  json start;
  json end;
  json error;
  bool interrupted = false;
  const json& messages = member(status_info, "messages");
  for (const auto& message : messages.is_array() ? messages : json::array()) {
    if (!message.is_array() || message.size() < 2 || !message[0].is_string() ||
        !message[1].is_object()) {
      continue;
    }
    auto name = message[0].get<std::string>();
    if (name == "execution_start") {
      start = member(message[1], "timestamp");
    } else if (name == "execution_success" || name == "execution_error" ||
               name == "execution_interrupted") {
      end = member(message[1], "timestamp");
      error = name == "execution_error" ? message[1] : error;
      interrupted = interrupted || name == "execution_interrupted";
    }
  }

  const auto& status_str = member(status_info, "status_str");
  const char* status = "completed";
  if (status_str == "error") {
    status = interrupted ? "cancelled" : "failed";
  }
  auto [count, preview] = outputs_summary(member(entry, "outputs"));
  json job = json::object();
  job["id"] = id;
  job["status"] = status;
  put(job, "priority", is_tuple(tuple) ? tuple[0] : json{});
  put(job, "create_time", member(extra, "create_time"));
  put(job, "execution_start_time", start);
  put(job, "execution_end_time", end);
  put(job, "execution_error", error);
  job["outputs_count"] = count;
  put(job, "preview_output", preview);
  put(job, "workflow_id", workflow_id_of(extra));
  if (with_details) {
    job["outputs"] = member(entry, "outputs");
    job["execution_status"] = status_info;
    job["workflow"] = {{"prompt", is_tuple(tuple) ? tuple[2] : json{}},
                       {"extra_data", extra}};
  }
  return job;
}

/// Every job, running and pending first, as ComfyUI gathers them.
std::vector<json> all_jobs(const json& queue, const json& history) {
  std::vector<json> jobs;
  for (auto [key, status] : {std::pair{"queue_running", "in_progress"},
                             std::pair{"queue_pending", "pending"}}) {
    const auto& items = member(queue, key);
    for (const auto& item : items.is_array() ? items : json::array()) {
      if (is_tuple(item)) {
        jobs.push_back(queue_job(item, status));
      }
    }
  }
  if (history.is_object()) {
    for (const auto& [id, entry] : history.items()) {
      jobs.push_back(history_job(id, entry, false));
    }
  }
  return jobs;
}

double sort_key(const json& job, bool by_duration) {
  auto number = [&](const char* key) {
    const auto& v = member(job, key);
    return v.is_number() ? v.get<double>() : 0.0;
  };
  if (!by_duration) {
    return number("create_time");
  }
  if (!job.contains("execution_start_time") || !job.contains("execution_end_time")) {
    return 0.0;
  }
  return number("execution_end_time") - number("execution_start_time");
}

}  // namespace

jobs_query_parse parse_jobs_query(const std::map<std::string, std::string>& params) {
  jobs_query query;
  auto fail = [](std::string text) {
    return jobs_query_parse{std::nullopt, text};
  };
  if (auto it = params.find("status"); it != params.end() && !it->second.empty()) {
    auto statuses = split_statuses(it->second);
    std::vector<std::string> invalid;
    std::copy_if(statuses.begin(), statuses.end(), std::back_inserter(invalid),
                 [](const std::string& s) { return !known_status(s); });
    if (!invalid.empty()) {
      return fail("Invalid status value(s): " + joined(invalid) + ". Valid values: " +
                  joined({std::begin(all_statuses), std::end(all_statuses)}));
    }
    query.statuses = statuses;
  }
  if (auto it = params.find("workflow_id"); it != params.end()) {
    query.workflow_id = it->second;
  }
  auto sort_by = params.count("sort_by") ? params.at("sort_by") : "created_at";
  if (sort_by != "created_at" && sort_by != "execution_duration") {
    return fail("sort_by must be 'created_at' or 'execution_duration'");
  }
  query.by_duration = sort_by == "execution_duration";
  auto order = params.count("sort_order") ? params.at("sort_order") : "desc";
  if (order != "asc" && order != "desc") {
    return fail("sort_order must be 'asc' or 'desc'");
  }
  query.descending = order == "desc";
  if (auto it = params.find("limit"); it != params.end()) {
    auto limit = to_int(it->second);
    if (!limit) {
      return fail("limit must be an integer");
    }
    if (*limit <= 0) {
      return fail("limit must be a positive integer");
    }
    query.limit = limit;
  }
  if (auto it = params.find("offset"); it != params.end()) {
    auto offset = to_int(it->second);
    if (!offset) {
      return fail("offset must be an integer");
    }
    query.offset = std::max<std::int64_t>(0, *offset);
  }
  return {query, ""};
}

json list_jobs(const json& queue, const json& history, const jobs_query& query) {
  auto jobs = all_jobs(queue, history);
  auto keep = [&](const json& job) {
    if (query.statuses &&
        std::find(query.statuses->begin(), query.statuses->end(),
                  job["status"].get<std::string>()) == query.statuses->end()) {
      return false;
    }
    return !query.workflow_id || member(job, "workflow_id") == *query.workflow_id;
  };
  jobs.erase(std::remove_if(jobs.begin(), jobs.end(), [&](auto& j) { return !keep(j); }),
             jobs.end());
  std::stable_sort(jobs.begin(), jobs.end(), [&](const json& a, const json& b) {
    auto ka = sort_key(a, query.by_duration);
    auto kb = sort_key(b, query.by_duration);
    return query.descending ? ka > kb : ka < kb;
  });

  auto total = static_cast<std::int64_t>(jobs.size());
  auto first = std::min(query.offset, total);
  auto last = query.limit ? std::min(total, first + *query.limit) : total;
  json page = json::array();
  for (auto i = first; i < last; ++i) {
    page.push_back(std::move(jobs[static_cast<std::size_t>(i)]));
  }
  json body = json::object();
  body["jobs"] = std::move(page);
  body["pagination"] = {{"offset", query.offset},
                        {"limit", query.limit ? json(*query.limit) : json{}},
                        {"total", total},
                        {"has_more", last < total}};
  return body;
}

std::optional<json> find_job(const std::string& id, const json& queue,
                             const json& history) {
  if (history.is_object() && history.contains(id)) {
    return history_job(id, history[id], true);
  }
  for (auto [key, status] : {std::pair{"queue_running", "in_progress"},
                             std::pair{"queue_pending", "pending"}}) {
    const auto& items = member(queue, key);
    for (const auto& item : items.is_array() ? items : json::array()) {
      if (is_tuple(item) && item[1] == id) {
        return queue_job(item, status);
      }
    }
  }
  return std::nullopt;
}

std::string queue_state(const std::string& id, const json& queue) {
  auto found = find_job(id, queue, json::object());
  return found ? (*found)["status"].get<std::string>() : "";
}

bool is_job_id(const std::string& id) {
  if (id.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    char c = id[i];
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (dash ? c != '-' : !hex) {
      return false;
    }
  }
  return true;
}

}  // namespace drover::gateway
