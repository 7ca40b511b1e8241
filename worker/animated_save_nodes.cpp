#include "worker/animated_save_nodes.hpp"

#include <cstdio>

#include "worker/apng.hpp"
#include "worker/comfy_v3.hpp"
#include "worker/node_call.hpp"
#include "worker/python_json.hpp"
#include "worker/save_nodes.hpp"
#include "worker/saved_image.hpp"

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
  DROVER_TRY(png, encode_apng(frames, prompt_metadata(env), static_cast<int>(level)));

  char number[32];
  std::snprintf(number, sizeof number, "_%05llu_.png",
                static_cast<unsigned long long>(counter));
  const std::string name = path.filename + number;
  DROVER_TRYV(env.files().put({"output", path.subfolder, name}, png));
  json ui = {{"images", json::array({{{"filename", name},
                                      {"subfolder", path.subfolder},
                                      {"type", "output"}}})}};
  if (images->dim(0) > 1) {
    ui["animated"] = json::array({true});
  }
  return node_result{{}, std::move(ui)};
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
  return registry.add(std::move(d));
}

}  // namespace drover::worker
