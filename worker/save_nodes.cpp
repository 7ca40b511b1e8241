#include "worker/save_nodes.hpp"

#include <ctime>
#include <random>
#include <vector>

#include "worker/node_call.hpp"
#include "worker/png_codec.hpp"
#include "worker/python_json.hpp"
#include "worker/saved_image.hpp"

namespace drover::worker {

namespace {

struct save_kind {
  const char* type;    ///< store folder type
  const char* append;  ///< appended to the prefix
  int compress_level;
};

void replace_all(std::string& text, const std::string& what, const std::string& with) {
  for (auto at = text.find(what); at != std::string::npos;
       at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

std::string two_digits(int v) {
  return (v < 10 ? "0" : "") + std::to_string(v);
}

std::string expand_variables(std::string prefix, std::int64_t width,
                             std::int64_t height) {
  if (prefix.find('%') == std::string::npos) {
    return prefix;
  }
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  replace_all(prefix, "%width%", std::to_string(width));
  replace_all(prefix, "%height%", std::to_string(height));
  replace_all(prefix, "%year%", std::to_string(local.tm_year + 1900));
  replace_all(prefix, "%month%", two_digits(local.tm_mon + 1));
  replace_all(prefix, "%day%", two_digits(local.tm_mday));
  replace_all(prefix, "%hour%", two_digits(local.tm_hour));
  replace_all(prefix, "%minute%", two_digits(local.tm_min));
  replace_all(prefix, "%second%", two_digits(local.tm_sec));
  return prefix;
}

node_outcome save_images(node_call& call, const save_kind& kind) {
  DROVER_TRY(images, call.tensor_input("images"));
  std::string prefix = "ComfyUI";
  if (call.has("filename_prefix")) {
    DROVER_TRY(given, call.string("filename_prefix"));
    prefix = given;
  }
  prefix += kind.append;
  if (images->rank() != 4) {
    return node_failure{"ValueError", "images must be [B, H, W, C]"};
  }
  DROVER_TRY(path, resolve_save_path(prefix, images->dim(2), images->dim(1)));

  auto& files = call.environment().files();
  const auto batch = images->dim(0);
  actors::store_file folder{kind.type, path.subfolder, {}};
  DROVER_TRY(counter,
             files.reserve(folder, path.filename, static_cast<std::uint32_t>(batch)));
  auto text = prompt_metadata(call.environment());

  json results = json::array();
  for (std::int64_t b = 0; b < batch; ++b) {
    DROVER_TRY(pixels, to_pixels(*images, b));
    DROVER_TRY(png, encode_png(pixels, text, kind.compress_level));
    std::string name = path.filename;
    replace_all(name, "%batch_num%", std::to_string(b));
    char number[32];
    std::snprintf(
        number, sizeof number, "_%05llu_.png",
        static_cast<unsigned long long>(counter + static_cast<std::uint64_t>(b)));
    name += number;
    DROVER_TRYV(files.put({kind.type, path.subfolder, name}, png));
    results.push_back(
        {{"filename", name}, {"subfolder", path.subfolder}, {"type", kind.type}});
  }
  return node_result{{}, json{{"images", std::move(results)}}};
}

node_definition save_definition() {
  node_definition d;
  d.class_type = "SaveImage";
  d.display_name = "Save Image";
  d.category = "image";
  d.required("images", "IMAGE", json::object())
      .required("filename_prefix", "STRING", {{"default", "ComfyUI"}})
      .hidden("prompt", "PROMPT")
      .hidden("extra_pnginfo", "EXTRA_PNGINFO");
  d.output_node = true;
  d.run = [](node_call& call) {
    return save_images(call, {"output", "", 4});
  };
  return d;
}

node_definition preview_definition() {
  node_definition d;
  d.class_type = "PreviewImage";
  d.display_name = "Preview Image";
  d.category = "image";
  d.required("images", "IMAGE")
      .hidden("prompt", "PROMPT")
      .hidden("extra_pnginfo", "EXTRA_PNGINFO");
  d.output_node = true;
  d.run = [](node_call& call) {
    static const std::string append =
        preview_prefix().substr(std::string{"ComfyUI"}.size());
    return save_images(call, {"temp", append.c_str(), 1});
  };
  return d;
}

}  // namespace

actors::result<void> register_save_nodes(node_registry& registry) {
  DROVER_TRYV(registry.add(save_definition()));
  DROVER_TRYV(registry.add(preview_definition()));
  return actors::ok();
}

const std::string& preview_prefix() {
  static const std::string prefix = [] {
    std::random_device seed;
    std::mt19937 random{seed()};
    std::uniform_int_distribution<int> letter{'a', 'z'};
    std::string p = "ComfyUI_temp_";
    for (int i = 0; i < 5; ++i) {
      p += static_cast<char>(letter(random));
    }
    return p;
  }();
  return prefix;
}

actors::result<save_path> resolve_save_path(const std::string& prefix, std::int64_t width,
                                            std::int64_t height) {
  auto expanded = expand_variables(prefix, width, height);
  const actors::error outside{actors::errc::invalid_input,
                              "Saving image outside the output folder is not allowed. "
                              "filename_prefix: " +
                                  prefix};
  if (expanded.empty() || expanded.front() == '/') {
    return outside;
  }

  // os.path.normpath, then dirname / basename.
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= expanded.size()) {
    auto end = expanded.find('/', start);
    if (end == std::string::npos) {
      end = expanded.size();
    }
    auto part = expanded.substr(start, end - start);
    if (part == "..") {
      if (parts.empty()) {
        return outside;
      }
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  if (parts.empty()) {
    return outside;
  }
  save_path path;
  path.filename = parts.back();
  parts.pop_back();
  for (const auto& part : parts) {
    path.subfolder += (path.subfolder.empty() ? "" : "/") + part;
  }
  return path;
}

}  // namespace drover::worker
