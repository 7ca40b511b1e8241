#include "gateway/routes_info.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string_view>

#include "actors/json.hpp"
#include "actors/log.hpp"
#include "actors/prompt_request.hpp"

namespace drover::gateway {

namespace {

// The folders of ComfyUI 0.8's folder_paths, as h_info_endpoints.jsonl lists them.
constexpr std::array<std::string_view, 21> model_folders{
    "checkpoints",  "configs",        "loras",
    "vae",          "text_encoders",  "diffusion_models",
    "clip_vision",  "style_models",   "embeddings",
    "diffusers",    "vae_approx",     "controlnet",
    "gligen",       "upscale_models", "latent_upscale_models",
    "custom_nodes", "hypernetworks",  "photomaker",
    "classifiers",  "model_patches",  "audio_encoders"};

constexpr std::string_view models_prefix = "/models/";

}  // namespace

bool is_models_path(const std::string& path) {
  return path == "/models" || path.rfind(models_prefix, 0) == 0;
}

namespace {

/// The files of each folder the farm's workers report, each folder's names
/// sorted and once.
std::map<std::string, std::set<std::string>> farm_models(const json& farm_workers) {
  std::map<std::string, std::set<std::string>> folders;
  for (const auto& worker : farm_workers.is_array() ? farm_workers : json::array()) {
    if (!worker.is_object() || !worker.contains("models") ||
        !worker["models"].is_object()) {
      continue;
    }
    for (const auto& [folder, files] : worker["models"].items()) {
      auto& names = folders[folder];
      for (const auto& file : files.is_array() ? files : json::array()) {
        if (file.is_string()) {
          names.insert(file.get<std::string>());
        }
      }
    }
  }
  return folders;
}

}  // namespace

http_reply models_reply(const std::string& path, const json& farm_workers) {
  auto reported = farm_models(farm_workers);
  http_reply reply;
  if (path == "/models") {
    json folders = json::array();
    for (auto folder : model_folders) {
      folders.push_back(std::string{folder});
    }
    for (const auto& [folder, files] : reported) {
      if (std::find(model_folders.begin(), model_folders.end(), folder) ==
          model_folders.end()) {
        folders.push_back(folder);
      }
    }
    reply.body = folders.dump();
    return reply;
  }
  auto folder = std::string{std::string_view{path}.substr(models_prefix.size())};
  auto files = reported.find(folder);
  if (files == reported.end() && std::find(model_folders.begin(), model_folders.end(),
                                           folder) == model_folders.end()) {
    reply.status = 404;
    reply.content_type = "text/plain; charset=utf-8";
    return reply;
  }
  reply.body = files == reported.end() ? "[]" : json(files->second).dump();
  return reply;
}

http_reply index_page() {
  http_reply reply;
  reply.content_type = "text/html; charset=utf-8";
  reply.headers.emplace_back("Cache-Control", "no-cache");
  reply.body =
      "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
      "<title>drover farm</title></head>\n<body>\n"
      "<h1>drover farm</h1>\n"
      "<p>This gateway speaks ComfyUI's API for a drover farm. "
      "Point a ComfyUI client at this address.</p>\n<ul>\n"
      "<li><a href=\"/system_stats\">/system_stats</a>: the farm's devices</li>\n"
      "<li><a href=\"/queue\">/queue</a>: running and pending prompts</li>\n"
      "<li><a href=\"/history\">/history</a>: finished prompts</li>\n"
      "</ul>\n</body></html>\n";
  return reply;
}

actors::free_memory free_request(const std::string& body) {
  auto parsed = json::parse(body, nullptr, false);
  actors::free_memory request;
  request.unload_models =
      parsed.is_object() && actors::json_truthy(parsed.value("unload_models", false));
  request.free_memory =
      parsed.is_object() && actors::json_truthy(parsed.value("free_memory", false));
  return request;
}

}  // namespace drover::gateway
