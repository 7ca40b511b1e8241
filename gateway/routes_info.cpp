#include "gateway/routes_info.hpp"

#include <algorithm>
#include <array>
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

http_reply models_reply(const std::string& path) {
  http_reply reply;
  if (path == "/models") {
    reply.body =
        json(std::vector<std::string>(model_folders.begin(), model_folders.end())).dump();
    return reply;
  }
  auto folder = std::string_view{path}.substr(models_prefix.size());
  if (std::find(model_folders.begin(), model_folders.end(), folder) ==
      model_folders.end()) {
    reply.status = 404;
    reply.content_type = "text/plain; charset=utf-8";
    return reply;
  }
  // TODO(#4): list the farm's model files once workers report them in
  // worker_hello; drover's native nodes load no model files yet.
  reply.body = "[]";
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
