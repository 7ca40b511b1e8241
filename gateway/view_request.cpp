#include "gateway/view_request.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace drover::gateway {

namespace {

/// Splits `name.png [output]` into the name and the folder type.
std::pair<std::string, std::string> split_annotation(std::string filename,
                                                     std::string type) {
  for (std::string folder : {"output", "input", "temp"}) {
    auto suffix = " [" + folder + "]";
    if (filename.size() > suffix.size() &&
        filename.compare(filename.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return {filename.substr(0, filename.size() - suffix.size()), folder};
    }
  }
  return {std::move(filename), std::move(type)};
}

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

view_decision decide_view(const std::map<std::string, std::string>& query) {
  view_decision decision;
  auto name = query.find("filename");
  if (name == query.end()) {
    decision.status = 404;
    return decision;
  }
  auto type_it = query.find("type");
  auto [filename, type] =
      split_annotation(name->second, type_it == query.end() ? "output" : type_it->second);

  if (filename.empty() || filename.front() == '/' ||
      filename.find("..") != std::string::npos) {
    decision.status = 400;
    return decision;
  }
  if (!actors::is_store_type(type)) {
    decision.status = 400;
    return decision;
  }
  auto subfolder_it = query.find("subfolder");
  std::string subfolder = subfolder_it == query.end() ? "" : subfolder_it->second;
  if (!actors::check_subfolder(subfolder)) {
    decision.status = 403;
    return decision;
  }

  // ComfyUI serves the base name: `a/b.png` is `b.png` in the subfolder.
  auto slash = filename.find_last_of("/\\");
  if (slash != std::string::npos) {
    filename = filename.substr(slash + 1);
  }
  if (!actors::check_filename(filename)) {
    decision.status = 400;
    return decision;
  }
  decision.file = actors::store_file{type, subfolder, filename};
  return decision;
}

std::string content_type_for(std::string_view filename) {
  static const std::array<std::pair<std::string_view, std::string_view>, 14> types{{
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"webp", "image/webp"},
      {"gif", "image/gif"},
      {"bmp", "image/bmp"},
      {"json", "application/json"},
      {"txt", "text/plain"},
      {"mp4", "video/mp4"},
      {"webm", "video/webm"},
      {"wav", "audio/x-wav"},
      {"mp3", "audio/mpeg"},
      {"flac", "audio/flac"},
      {"glb", "model/gltf-binary"},
  }};
  auto dot = filename.rfind('.');
  if (dot == std::string_view::npos) {
    return "application/octet-stream";
  }
  auto extension = lower(filename.substr(dot + 1));
  for (const auto& [ext, type] : types) {
    if (ext == extension) {
      return std::string{type};
    }
  }
  return "application/octet-stream";
}

}  // namespace drover::gateway
