#include "worker/comfyui_backend.hpp"

#include <fstream>

#include "client/batch_follower.hpp"
#include "client/multipart_form.hpp"
#include "client/output_download.hpp"

namespace drover::worker {

using actors::errc;
using actors::fail;

namespace {

/// A JSON answer, or errc::protocol naming the route.
actors::result<json> json_body(const client::http_response& response,
                               const std::string& route) {
  auto body = json::parse(response.body, nullptr, false);
  if (body.is_discarded()) {
    return fail(errc::protocol, route + " answered " + std::to_string(response.status) +
                                    " with a body that is not JSON");
  }
  return body;
}

actors::result<void> expect_ok(const client::http_response& response,
                               const std::string& route) {
  if (response.status != 200) {
    return fail(errc::protocol, route + " answered " + std::to_string(response.status));
  }
  return actors::ok();
}

}  // namespace

actors::result<comfyui_backend> comfyui_backend::parse(const std::string& spec) {
  auto eq = spec.find('=');
  if (eq == std::string::npos || spec.substr(0, eq) != "comfyui") {
    return fail(errc::invalid_input,
                "a backend is given as comfyui=URL, not '" + spec + "'");
  }
  auto url = spec.substr(eq + 1);
  DROVER_TRY(address, client::parse_url(url));
  return comfyui_backend{url, address};
}

actors::result<std::vector<comfyui_backend>> comfyui_backend::read_list(
    const std::string& path) {
  std::ifstream in{path};
  if (!in) {
    return fail(errc::io_failure, "cannot read the backend file " + path);
  }
  std::vector<comfyui_backend> backends;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') {
      continue;
    }
    auto last = line.find_last_not_of(" \t\r");
    auto parsed = parse(line.substr(first, last - first + 1));
    if (!parsed) {
      return fail(errc::invalid_input,
                  path + ":" + std::to_string(number) + ": " + parsed.error().message);
    }
    backends.push_back(std::move(parsed.value()));
  }
  return backends;
}

actors::result<client::http_response> comfyui_backend::call(
    const std::string& method, const std::string& target, const std::string& body,
    std::chrono::milliseconds timeout) const {
  return client::http_request(address_, method, target, body, timeout);
}

actors::result<json> comfyui_backend::object_info() const {
  DROVER_TRY(response, call("GET", "/object_info"));
  DROVER_TRYV(expect_ok(response, "GET /object_info"));
  DROVER_TRY(body, json_body(response, "GET /object_info"));
  if (!body.is_object()) {
    return fail(errc::protocol, "GET /object_info answered something not an object");
  }
  return std::move(body);
}

actors::result<json> comfyui_backend::device() const {
  DROVER_TRY(response, call("GET", "/system_stats", {}, std::chrono::seconds{5}));
  DROVER_TRYV(expect_ok(response, "GET /system_stats"));
  DROVER_TRY(body, json_body(response, "GET /system_stats"));
  if (body.is_object() && body.contains("devices") && body["devices"].is_array() &&
      !body["devices"].empty()) {
    return body["devices"][0];
  }
  return json(nullptr);
}

actors::result<json> comfyui_backend::models() const {
  DROVER_TRY(response, call("GET", "/models", {}, std::chrono::seconds{10}));
  DROVER_TRYV(expect_ok(response, "GET /models"));
  DROVER_TRY(folders, json_body(response, "GET /models"));
  json models = json::object();
  if (!folders.is_array()) {
    return models;
  }
  for (const auto& folder : folders) {
    if (!folder.is_string()) {
      continue;
    }
    const auto name = folder.get<std::string>();
    DROVER_TRY(listed, call("GET", "/models/" + client::percent_encode(name), {},
                            std::chrono::seconds{10}));
    if (listed.status != 200) {
      continue;  // a folder it names but cannot list: nothing to offer there
    }
    DROVER_TRY(files, json_body(listed, "GET /models/" + name));
    json names = json::array();
    for (const auto& file : files.is_array() ? files : json::array()) {
      if (file.is_string()) {
        names.push_back(file);
      }
    }
    models[name] = std::move(names);
  }
  return models;
}

actors::result<backend_submission> comfyui_backend::submit(
    const json& prompt, const std::string& prompt_id, const std::string& client_id,
    const json& extra_data, const std::vector<std::string>& targets) const {
  json request = {{"prompt", prompt},
                  {"prompt_id", prompt_id},
                  {"client_id", client_id},
                  {"extra_data", extra_data.is_object() ? extra_data : json::object()}};
  if (!targets.empty()) {
    request["partial_execution_targets"] = targets;
  }
  DROVER_TRY(response,
             call("POST", "/prompt",
                  request.dump(-1, ' ', false, json::error_handler_t::replace)));
  DROVER_TRY(body, json_body(response, "POST /prompt"));
  if (response.status == 200) {
    return backend_submission{true, std::move(body)};
  }
  if (response.status == 400 && body.is_object() && body.contains("error")) {
    return backend_submission{false, std::move(body)};
  }
  return fail(errc::protocol, "POST /prompt answered " + std::to_string(response.status));
}

actors::result<void> comfyui_backend::interrupt(const std::string& prompt_id) const {
  DROVER_TRY(response, call("POST", "/interrupt", json{{"prompt_id", prompt_id}}.dump(),
                            std::chrono::seconds{5}));
  return expect_ok(response, "POST /interrupt");
}

actors::result<void> comfyui_backend::free(bool unload_models, bool free_memory) const {
  DROVER_TRY(
      response,
      call("POST", "/free",
           json{{"unload_models", unload_models}, {"free_memory", free_memory}}.dump(),
           std::chrono::seconds{10}));
  return expect_ok(response, "POST /free");
}

actors::result<void> comfyui_backend::forget(const std::string& prompt_id) const {
  DROVER_TRY(response, call("POST", "/queue", json{{"delete", {prompt_id}}}.dump(),
                            std::chrono::seconds{5}));
  return expect_ok(response, "POST /queue");
}

actors::result<void> comfyui_backend::upload_input(const std::string& filename,
                                                   const std::string& subfolder,
                                                   const std::string& bytes) const {
  client::multipart_form form;
  form.add_file("image", filename, bytes);
  form.add_field("subfolder", subfolder);
  form.add_field("type", "input");
  form.add_field("overwrite", "true");
  DROVER_TRY(response,
             client::http_request(address_, "POST", "/upload/image", form.body(),
                                  std::chrono::seconds{60}, form.content_type()));
  return expect_ok(response, "POST /upload/image");
}

actors::result<std::string> comfyui_backend::view(const std::string& filename,
                                                  const std::string& subfolder,
                                                  const std::string& type) const {
  client::output_file file{"", filename, subfolder, type};
  DROVER_TRY(response,
             call("GET", client::view_target(file), {}, std::chrono::minutes{5}));
  if (response.status == 404) {
    return fail(errc::not_found, "the backend has no " + type + " file " + filename);
  }
  DROVER_TRYV(expect_ok(response, "GET /view"));
  return std::move(response.body);
}

}  // namespace drover::worker
