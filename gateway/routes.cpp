#include "gateway/routes.hpp"

#include <charconv>
#include <fstream>
#include <optional>

#include "actors/ids.hpp"
#include "actors/log.hpp"
#include "actors/prompt_request.hpp"
#include "gateway/origin_guard.hpp"
#include "gateway/routes_info.hpp"
#include "gateway/routes_jobs.hpp"
#include "gateway/routes_upload.hpp"
#include "gateway/system_stats.hpp"
#include "gateway/view_channel.hpp"
#include "gateway/view_request.hpp"

namespace drover::gateway {

namespace {

http_reply bare(unsigned status) {
  http_reply reply;
  reply.status = status;
  reply.content_type = "text/plain; charset=utf-8";
  return reply;
}

http_reply json_reply(std::string body, unsigned status = 200) {
  http_reply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

/// The status for a failed coordinator or store request.
unsigned status_of(const actors::error& e) {
  switch (e.code) {
    case actors::errc::not_found:
      return 404;
    case actors::errc::invalid_input:
      return 400;
    case actors::errc::timeout:
      return 504;
    default:
      return 503;
  }
}

/// Answers with the coordinator's JSON text, or a bare error status.
text_callback forward_text(reply_callback reply) {
  return [reply = std::move(reply)](actors::result<std::string> body) {
    if (!body) {
      actors::logger("gateway")->warn("coordinator request failed error={}",
                                      actors::describe(body.error()));
      reply(bare(status_of(body.error())));
      return;
    }
    reply(json_reply(std::move(body).value()));
  };
}

/// Answers 200 with an empty body once the coordinator confirmed.
text_callback forward_empty(reply_callback reply) {
  return [reply = std::move(reply)](actors::result<std::string> body) {
    if (!body) {
      actors::logger("gateway")->warn("coordinator request failed error={}",
                                      actors::describe(body.error()));
      reply(bare(status_of(body.error())));
      return;
    }
    reply(bare(200));
  };
}

std::optional<std::int64_t> parse_int(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

/// `{"clear": bool, "delete": [ids]}` of POST /queue and POST /history.
template <class Edit>
std::optional<Edit> parse_edit(const std::string& body) {
  auto parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object()) {
    return std::nullopt;
  }
  Edit edit;
  if (auto it = parsed.find("clear"); it != parsed.end()) {
    edit.clear = actors::json_truthy(*it);
  }
  if (auto it = parsed.find("delete"); it != parsed.end()) {
    if (!it->is_array()) {
      return std::nullopt;
    }
    for (const auto& id : *it) {
      edit.delete_ids.push_back(id.is_string() ? id.get<std::string>() : id.dump());
    }
  }
  return edit;
}

void post_prompt(const http_request& request, route_context& context,
                 reply_callback reply) {
  auto parsed = actors::parse_prompt_request(request.body);
  if (!parsed) {
    reply(json_reply(parsed.error().to_json().dump(), 400));
    return;
  }
  auto& prompt = parsed.value();
  actors::submit_prompt submit;
  submit.prompt_id = prompt.prompt_id.empty() ? actors::new_uuid() : prompt.prompt_id;
  submit.has_client_id = prompt.client_id.has_value();
  submit.client_id = prompt.client_id.value_or("");
  submit.prompt_json = prompt.prompt.dump();
  submit.extra_data_json = prompt.extra_data.dump();
  submit.sensitive_json = prompt.sensitive.dump();
  submit.has_number = prompt.number.has_value();
  submit.number = prompt.number.value_or(0);
  submit.front = prompt.front;
  submit.has_targets = prompt.partial_execution_targets.has_value();
  submit.targets = prompt.partial_execution_targets.value_or(std::vector<std::string>{});

  context.coordinator.submit(
      std::move(submit),
      [reply = std::move(reply)](actors::result<actors::submit_reply> r) {
        if (!r) {
          json body = json::object();
          body["error"] = {{"type", "coordinator_unavailable"},
                           {"message", r.error().message},
                           {"details", ""},
                           {"extra_info", json::object()}};
          body["node_errors"] = json::object();
          reply(json_reply(body.dump(), status_of(r.error()) == 400 ? 400 : 503));
          return;
        }
        const auto& answer = r.value();
        if (!answer.accepted) {
          reply(json_reply(answer.rejection_json, 400));
          return;
        }
        json body = json::object();
        body["prompt_id"] = answer.prompt_id;
        body["number"] = json::parse(answer.number_json, nullptr, false);
        auto errors = json::parse(answer.node_errors_json, nullptr, false);
        body["node_errors"] = errors.is_object() ? errors : json::object();
        reply(json_reply(body.dump()));
      });
}

void get_history(const std::string& path, const std::map<std::string, std::string>& query,
                 route_context& context, reply_callback reply) {
  actors::history_query request;
  if (path.size() > 9) {
    request.prompt_id = path.substr(9);  // after "/history/"
  } else {
    for (auto [key, field] : {std::pair{"max_items", &request.max_items},
                              std::pair{"offset", &request.offset}}) {
      if (auto it = query.find(key); it != query.end()) {
        auto value = parse_int(it->second);
        if (!value) {
          reply(bare(400));
          return;
        }
        *field = *value;
      }
    }
  }
  context.coordinator.history(std::move(request), forward_text(std::move(reply)));
}

void get_object_info(const std::string& path, route_context& context,
                     reply_callback reply) {
  if (path == "/object_info") {
    context.coordinator.catalog(forward_text(std::move(reply)));
    return;
  }
  auto name = path.substr(std::string{"/object_info/"}.size());
  context.coordinator.catalog(
      [name, reply = std::move(reply)](actors::result<std::string> catalog) {
        if (!catalog) {
          reply(bare(status_of(catalog.error())));
          return;
        }
        auto parsed = json::parse(catalog.value(), nullptr, false);
        json body = json::object();
        if (parsed.is_object() && parsed.contains(name)) {
          body[name] = parsed[name];
        }
        reply(json_reply(body.dump()));
      });
}

void get_view(const std::map<std::string, std::string>& query, route_context& context,
              reply_callback reply) {
  auto decision = decide_view(query);
  if (decision.status != 0) {
    reply(bare(decision.status));
    return;
  }
  auto name = decision.file.filename;
  context.files.fetch(decision.file, [name, query, reply = std::move(reply)](
                                         actors::result<std::string> bytes) {
    if (!bytes) {
      if (bytes.error().code != actors::errc::not_found) {
        actors::logger("gateway")->warn("view failed filename={} error={}", name,
                                        actors::describe(bytes.error()));
      }
      reply(bare(bytes.error().code == actors::errc::not_found ? 404 : 502));
      return;
    }
    auto body = render_view(std::move(bytes).value(), name, query);
    http_reply out;
    out.content_type = std::move(body.content_type);
    out.body = std::move(body.bytes);
    out.headers.emplace_back("Content-Disposition", "filename=\"" + name + "\"");
    reply(std::move(out));
  });
}

/// `GET /system_stats` with the farm's devices; the host alone when the
/// coordinator cannot be asked.
void get_system_stats(route_context& context, reply_callback reply) {
  context.coordinator.farm([reply = std::move(reply)](actors::result<std::string> farm) {
    if (!farm) {
      actors::logger("gateway")->warn("farm query failed error={}",
                                      actors::describe(farm.error()));
    }
    auto workers = farm ? json::parse(farm.value(), nullptr, false) : json::array();
    reply(json_reply(system_stats_json(workers)));
  });
}

/// `GET /models[/{folder}]`: the model files the farm's workers report.
void get_models(const std::string& path, route_context& context, reply_callback reply) {
  context.coordinator.farm(
      [path, reply = std::move(reply)](actors::result<std::string> farm) {
        if (!farm) {
          actors::logger("gateway")->warn("farm query failed error={}",
                                          actors::describe(farm.error()));
        }
        auto workers = farm ? json::parse(farm.value(), nullptr, false) : json::array();
        reply(models_reply(path, workers));
      });
}

/// `GET /drover/status`: the coordinator's farm status, each running prompt
/// with how far this gateway saw it get.
void get_farm_status(route_context& context, reply_callback reply) {
  auto progress = context.prompt_progress ? context.prompt_progress() : json::object();
  context.coordinator.status([progress = std::move(progress), reply = std::move(reply)](
                                 actors::result<std::string> text) {
    if (!text) {
      actors::logger("gateway")->warn("farm status failed error={}",
                                      actors::describe(text.error()));
      reply(json_reply(R"({"error": "the coordinator cannot be reached"})", 503));
      return;
    }
    auto status = json::parse(text.value(), nullptr, false);
    if (!status.is_object() || !status["workers"].is_array()) {
      reply(json_reply(R"({"error": "the coordinator sent no status"})", 502));
      return;
    }
    for (auto& worker : status["workers"]) {
      for (auto& prompt : worker["running"]) {
        auto seen = progress.find(prompt.value("prompt_id", std::string{}));
        prompt["progress"] = seen == progress.end() ? json(nullptr) : *seen;
      }
    }
    reply(json_reply(status.dump()));
  });
}

/// `POST /free`: 200 with an empty body at once, as ComfyUI answers; the
/// flags travel on to every worker, which applies them when idle.
void post_free(const http_request& request, route_context& context,
               reply_callback reply) {
  auto flags = free_request(request.body);
  actors::logger("gateway")->info("free requested unload_models={} free_memory={}",
                                  flags.unload_models, flags.free_memory);
  if (flags.unload_models || flags.free_memory) {
    context.coordinator.free(flags, [](actors::result<std::string> done) {
      if (!done) {
        actors::logger("gateway")->warn("free not forwarded error={}",
                                        actors::describe(done.error()));
      }
    });
  }
  http_reply out;
  out.content_type = "text/plain; charset=utf-8";
  reply(std::move(out));
}

bool known_path(const std::string& path);

void route_get(const std::string& path, const std::map<std::string, std::string>& query,
               route_context& context, reply_callback reply) {
  if (path == "/prompt") {
    json body = json::object();
    body["exec_info"]["queue_remaining"] = context.queue_remaining();
    reply(json_reply(body.dump()));
  } else if (path == "/queue") {
    context.coordinator.queue(forward_text(std::move(reply)));
  } else if (path == "/history" || path.rfind("/history/", 0) == 0) {
    get_history(path, query, context, std::move(reply));
  } else if (path == "/view") {
    get_view(query, context, std::move(reply));
  } else if (path == "/object_info" || path.rfind("/object_info/", 0) == 0) {
    get_object_info(path, context, std::move(reply));
  } else if (path == "/system_stats") {
    get_system_stats(context, std::move(reply));
  } else if (path == "/drover/status") {
    get_farm_status(context, std::move(reply));
  } else if (path == "/features") {
    reply(json_reply(server_features_json(context.max_upload_bytes)));
  } else if (path == "/embeddings" || path == "/extensions") {
    reply(json_reply("[]"));
  } else if (is_models_path(path)) {
    get_models(path, context, std::move(reply));
  } else if (path == "/" || path.empty()) {
    reply(index_page());
  } else {
    reply(bare(known_path(path) ? 405 : 404));
  }
}

/// Interrupts the running prompts whose extra_data names `client_id`.
void interrupt_client(const std::string& client_id, route_context& context,
                      reply_callback reply) {
  auto* coordinator = &context.coordinator;
  coordinator->queue([coordinator, client_id,
                      reply = std::move(reply)](actors::result<std::string> queue) {
    if (!queue) {
      reply(bare(status_of(queue.error())));
      return;
    }
    auto parsed = json::parse(queue.value(), nullptr, false);
    const auto running =
        parsed.is_object() ? parsed.value("queue_running", json{}) : json{};
    for (const auto& item : running.is_array() ? running : json::array()) {
      if (item.is_array() && item.size() >= 4 && item[1].is_string() &&
          item[3].is_object() && item[3].value("client_id", json{}) == client_id) {
        coordinator->interrupt(actors::interrupt_prompt{item[1].get<std::string>()},
                               [](actors::result<std::string> done) {
                                 if (!done) {
                                   actors::logger("gateway")->warn(
                                       "client interrupt failed error={}",
                                       actors::describe(done.error()));
                                 }
                               });
      }
    }
    reply(bare(200));
  });
}

/// `POST /interrupt`: the body's prompt_id, else the running prompts of the
/// `clientId` query parameter, else every running prompt. ComfyUI tolerates
/// an empty or invalid body.
void post_interrupt(const http_request& request,
                    const std::map<std::string, std::string>& query,
                    route_context& context, reply_callback reply) {
  actors::interrupt_prompt interrupt;
  auto parsed = json::parse(request.body, nullptr, false);
  if (parsed.is_object() && parsed.contains("prompt_id") &&
      parsed["prompt_id"].is_string()) {
    interrupt.prompt_id = parsed["prompt_id"].get<std::string>();
  }
  auto client = query.find("clientId");
  if (interrupt.prompt_id.empty() && client != query.end() && !client->second.empty()) {
    interrupt_client(client->second, context, std::move(reply));
    return;
  }
  context.coordinator.interrupt(std::move(interrupt), forward_empty(std::move(reply)));
}

void route_post(const http_request& request, const std::string& path,
                const std::map<std::string, std::string>& query, route_context& context,
                reply_callback reply) {
  if (path == "/prompt") {
    post_prompt(request, context, std::move(reply));
  } else if (path == "/queue") {
    auto edit = parse_edit<actors::queue_edit>(request.body);
    if (!edit) {
      reply(bare(400));
      return;
    }
    context.coordinator.edit_queue(std::move(*edit), forward_empty(std::move(reply)));
  } else if (path == "/history") {
    auto edit = parse_edit<actors::history_edit>(request.body);
    if (!edit) {
      reply(bare(400));
      return;
    }
    context.coordinator.edit_history(std::move(*edit), forward_empty(std::move(reply)));
  } else if (path == "/interrupt") {
    post_interrupt(request, query, context, std::move(reply));
  } else if (path == "/free") {
    post_free(request, context, std::move(reply));
  } else if (path == "/upload/image") {
    post_upload_image(request, context, std::move(reply));
  } else if (path == "/upload/mask") {
    post_upload_mask(request, context, std::move(reply));
  } else {
    reply(bare(known_path(path) ? 405 : 404));
  }
}

bool known_path(const std::string& path) {
  for (const char* p :
       {"/prompt", "/queue", "/history", "/interrupt", "/view", "/object_info",
        "/system_stats", "/features", "/embeddings", "/extensions", "/upload/image",
        "/upload/mask", "/free", "/drover/status", "/"}) {
    if (path == p) {
      return true;
    }
  }
  return path.rfind("/history/", 0) == 0 || path.rfind("/object_info/", 0) == 0 ||
         is_models_path(path);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    auto eq = pair.find('=');
    auto key = url_decode(pair.substr(0, eq));
    auto value =
        eq == std::string_view::npos ? std::string{} : url_decode(pair.substr(eq + 1));
    out.emplace(std::move(key), std::move(value));
  }
  return out;
}

std::string route_path(std::string_view target) {
  auto path = url_decode(target.substr(0, target.find('?')));
  if (path.rfind("/api/", 0) == 0) {
    path.erase(0, 4);
  }
  return path;
}

std::string server_features_json(std::size_t max_upload_bytes) {
  json flags = json::object();
  flags["supports_preview_metadata"] = true;
  flags["max_upload_size"] = max_upload_bytes;
  flags["extension"]["manager"]["supports_v4"] = true;
  return flags.dump();
}

void handle_request(const http_request& request, route_context& context,
                    reply_callback reply) {
  if (origin_refused(request.host, request.origin)) {
    reply(bare(403));
    return;
  }
  if (request.method == "OPTIONS") {
    reply(bare(200));
    return;
  }
  auto path = route_path(request.target);
  auto question = request.target.find('?');
  auto query = parse_query(question == std::string::npos
                               ? std::string_view{}
                               : std::string_view{request.target}.substr(question + 1));
  if (auto jobs = jobs_route(request.target)) {
    handle_jobs(request, *jobs, query, context, std::move(reply));
  } else if (request.method == "GET") {
    route_get(path, query, context, std::move(reply));
  } else if (request.method == "POST") {
    route_post(request, path, query, context, std::move(reply));
  } else {
    reply(bare(known_path(path) ? 405 : 404));
  }
}

}  // namespace drover::gateway
