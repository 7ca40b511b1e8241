#include "worker/animated_save_nodes.hpp"

#include <algorithm>
#include <cstdio>

#include "worker/apng.hpp"
#include "worker/comfy_v3.hpp"
#include "worker/exif.hpp"
#include "worker/node_call.hpp"
#include "worker/python_json.hpp"
#include "worker/save_nodes.hpp"
#include "worker/saved_image.hpp"
#include "worker/webp_codec.hpp"

namespace drover::worker {

namespace {

node_outcome save_animated_png(node_call& call) {
  DROVER_TRY(images, call.tensor_input("images"));
  DROVER_TRY(prefix, call.string("filename_prefix"));
  DROVER_TRY(fps, call.number("fps"));
  DROVER_TRY(level, call.integer("compress_level"));
  if (images->rank() != 4 || images->dim(3) < 1 || images->dim(3) > 4) {
    return node_failure{"TypeError", "Cannot handle this data type: image shape " +
                                         images->shape_string()};
  }
  if (fps <= 0.0 || level < 0 || level > 9) {
    return node_failure{"ValueError", "fps must be positive and compress_level 0..9"};
  }
  DROVER_TRY(path, resolve_save_path(prefix, images->dim(2), images->dim(1)));
  auto& env = call.environment();
  DROVER_TRY(counter,
             env.files().reserve({"output", path.subfolder, {}}, path.filename, 1));

  std::vector<apng_frame> frames;
  const auto delay = static_cast<std::uint32_t>(1000.0 / fps);
  for (std::int64_t b = 0; b < images->dim(0); ++b) {
    DROVER_TRY(pixels, to_pixels(*images, b));
    frames.push_back({std::move(pixels), delay});
  }
  auto png = encode_apng(frames, prompt_metadata(env), static_cast<int>(level));
  if (!png) {
    if (png.error().message == apng_delay_overflow_message) {
      return node_failure{"struct.error", png.error().message};
    }
    return node_failure{png.error()};
  }

  char number[32];
  std::snprintf(number, sizeof number, "_%05llu_.png",
                static_cast<unsigned long long>(counter));
  const std::string name = path.filename + number;
  DROVER_TRYV(env.files().put({"output", path.subfolder, name}, png.value()));
  json ui = {{"images", json::array({{{"filename", name},
                                      {"subfolder", path.subfolder},
                                      {"type", "output"}}})}};
  if (images->dim(0) > 1) {
    ui["animated"] = json::array({true});
  }
  return node_result{{}, std::move(ui)};
}

/// ComfyUI's names for libwebp's methods, as SaveAnimatedWEBP maps them.
const std::vector<std::pair<std::string, int>>& webp_methods() {
  static const std::vector<std::pair<std::string, int>> methods{
      {"default", 4}, {"fastest", 0}, {"slowest", 6}};
  return methods;
}

/// The EXIF that ComfyUI gives a WebP: the prompt as Model (0x0110), then one
/// `key:json` per extra_pnginfo entry from Make (0x010F) downwards.
std::string prompt_exif(node_environment& env) {
  std::vector<exif_text> entries;
  if (!env.prompt().is_null()) {
    entries.emplace_back(0x0110, "prompt:" + python_json_dumps(env.prompt()));
  }
  if (env.extra_pnginfo().is_object()) {
    std::uint16_t tag = 0x010F;
    for (const auto& [key, value] : env.extra_pnginfo().items()) {
      entries.emplace_back(tag--, key + ":" + python_json_dumps(value));
    }
  }
  return encode_exif(std::move(entries));
}

node_outcome save_animated_webp(node_call& call) {
  DROVER_TRY(images, call.tensor_input("images"));
  DROVER_TRY(prefix, call.string("filename_prefix"));
  DROVER_TRY(fps, call.number("fps"));
  DROVER_TRY(lossless, call.boolean("lossless"));
  DROVER_TRY(quality, call.integer("quality"));
  DROVER_TRY(method_name, call.string("method"));
  if (images->rank() != 4 || images->dim(3) < 1 || images->dim(3) > 4) {
    return node_failure{"TypeError", "Cannot handle this data type: image shape " +
                                         images->shape_string()};
  }
  const auto& methods = webp_methods();
  auto method = std::find_if(methods.begin(), methods.end(),
                             [&](const auto& m) { return m.first == method_name; });
  if (fps <= 0.0 || quality < 0 || quality > 100 || method == methods.end()) {
    return node_failure{"ValueError",
                        "fps must be positive, quality 0..100 and method one of "
                        "default, fastest, slowest"};
  }
  DROVER_TRY(path, resolve_save_path(prefix, images->dim(2), images->dim(1)));
  auto& env = call.environment();
  DROVER_TRY(counter,
             env.files().reserve({"output", path.subfolder, {}}, path.filename, 1));

  std::vector<pixels8> frames;
  for (std::int64_t b = 0; b < images->dim(0); ++b) {
    DROVER_TRY(pixels, to_pixels(*images, b));
    frames.push_back(std::move(pixels));
  }
  const webp_options options{lossless, static_cast<int>(quality), method->second};
  auto exif = prompt_exif(env);
  // A single frame is a still WebP, whose EXIF goes without its marker.
  auto webp = frames.size() == 1
                  ? encode_webp(frames[0], options, exif.substr(6))
                  : encode_animated_webp(frames, static_cast<std::uint32_t>(1000.0 / fps),
                                         options, exif);
  if (!webp) {
    return node_failure{"ValueError", webp.error().message};
  }

  char number[32];
  std::snprintf(number, sizeof number, "_%05llu_.webp",
                static_cast<unsigned long long>(counter));
  const std::string name = path.filename + number;
  DROVER_TRYV(env.files().put({"output", path.subfolder, name}, webp.value()));
  json ui = {{"images", json::array({{{"filename", name},
                                      {"subfolder", path.subfolder},
                                      {"type", "output"}}})}};
  if (frames.size() > 1) {
    ui["animated"] = json::array({true});
  }
  return node_result{{}, std::move(ui)};
}

node_definition save_animated_webp_definition() {
  node_definition d;
  d.class_type = "SaveAnimatedWEBP";
  d.category = "image/animation";
  d.python_module = "comfy_extras.nodes_images";
  d.output_node = true;
  std::vector<std::string> method_names;
  for (const auto& m : webp_methods()) {
    method_names.push_back(m.first);
  }
  auto method = v3_combo(method_names);
  d.required("images", "IMAGE", json::object())
      .required("filename_prefix", "STRING",
                {{"default", "ComfyUI"}, {"multiline", false}})
      .required("fps", "FLOAT",
                {{"default", 6.0}, {"min", 0.01}, {"max", 1000.0}, {"step", 0.01}})
      .required("lossless", "BOOLEAN", {{"default", true}})
      .required("quality", "INT", {{"default", 80}, {"min", 0}, {"max", 100}})
      .required("method", method.first, method.second)
      .hidden("prompt", "PROMPT")
      .hidden("extra_pnginfo", "EXTRA_PNGINFO");
  d.info_overrides["input"]["hidden"] = {
      {"prompt", json::array({"PROMPT"})},
      {"extra_pnginfo", json::array({"EXTRA_PNGINFO"})}};
  d.run = save_animated_webp;
  mark_v3(d);
  return d;
}

}  // namespace

actors::result<void> register_animated_save_nodes(node_registry& registry) {
  node_definition d;
  d.class_type = "SaveAnimatedPNG";
  d.category = "image/animation";
  d.python_module = "comfy_extras.nodes_images";
  d.output_node = true;
  d.required("images", "IMAGE", json::object())
      .required("filename_prefix", "STRING",
                {{"default", "ComfyUI"}, {"multiline", false}})
      .required("fps", "FLOAT",
                {{"default", 6.0}, {"min", 0.01}, {"max", 1000.0}, {"step", 0.01}})
      .required("compress_level", "INT", {{"default", 4}, {"min", 0}, {"max", 9}})
      .hidden("prompt", "PROMPT")
      .hidden("extra_pnginfo", "EXTRA_PNGINFO");
  d.info_overrides["input"]["hidden"] = {
      {"prompt", json::array({"PROMPT"})},
      {"extra_pnginfo", json::array({"EXTRA_PNGINFO"})}};
  d.run = save_animated_png;
  mark_v3(d);
  DROVER_TRYV(registry.add(std::move(d)));
  return registry.add(save_animated_webp_definition());
}

}  // namespace drover::worker
