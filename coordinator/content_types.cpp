#include "coordinator/content_types.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace drover::coordinator {

namespace {

/// Python's built-in image types and its non-strict extras (CPython 3.11).
const std::pair<const char*, const char*> builtin_images[] = {
    {".avif", "image/avif"},
    {".bmp", "image/bmp"},
    {".gif", "image/gif"},
    {".heic", "image/heic"},
    {".heif", "image/heif"},
    {".ico", "image/vnd.microsoft.icon"},
    {".ief", "image/ief"},
    {".jpe", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".jpg", "image/jpeg"},
    {".pbm", "image/x-portable-bitmap"},
    {".pgm", "image/x-portable-graymap"},
    {".png", "image/png"},
    {".pnm", "image/x-portable-anymap"},
    {".ppm", "image/x-portable-pixmap"},
    {".ras", "image/x-cmu-raster"},
    {".rgb", "image/x-rgb"},
    {".svg", "image/svg+xml"},
    {".tif", "image/tiff"},
    {".tiff", "image/tiff"},
    {".xbm", "image/x-xbitmap"},
    {".xpm", "image/x-xpixmap"},
    {".xwd", "image/x-xwindowdump"},
};

const std::pair<const char*, const char*> builtin_extras[] = {
    {".rtf", "application/rtf"}, {".midi", "audio/midi"}, {".mid", "audio/midi"},
    {".jpg", "image/jpg"},       {".pict", "image/pict"}, {".pct", "image/pict"},
    {".pic", "image/pict"},      {".webp", "image/webp"}, {".xul", "text/xul"},
};

/// Suffixes that stand for two (case-insensitive) and compression suffixes
/// that are stepped over (case-sensitive).
const std::pair<const char*, const char*> suffix_map[] = {
    {".svgz", ".svg.gz"}, {".tgz", ".tar.gz"},   {".taz", ".tar.gz"},
    {".tz", ".tar.gz"},   {".tbz2", ".tar.bz2"}, {".txz", ".tar.xz"},
};
const char* const encodings[] = {".gz", ".Z", ".bz2", ".xz", ".br"};

/// The files Python's mimetypes.init reads, in its order.
const char* const known_files[] = {
    "/etc/mime.types",
    "/etc/httpd/mime.types",
    "/etc/httpd/conf/mime.types",
    "/etc/apache/mime.types",
    "/etc/apache2/mime.types",
    "/usr/local/etc/httpd/conf/mime.types",
    "/usr/local/lib/netscape/mime.types",
    "/usr/local/etc/mime.types",
};

/// ComfyUI's own answers, looked up before Python is asked, by the text
/// after the name's last dot (the whole name when it has none).
const std::pair<const char*, const char*> comfy_answers[] = {
    {"webp", "image"},
    {"fbx", "model"},
};

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// posixpath.splitext: the extension starts at the last dot, unless only
/// dots precede it in the last path component.
std::pair<std::string, std::string> split_extension(const std::string& path) {
  const auto dot = path.rfind('.');
  const auto slash = path.rfind('/');
  const auto start = slash == std::string::npos ? 0 : slash + 1;
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
    return {path, ""};
  }
  for (auto i = start; i < dot; ++i) {
    if (path[i] != '.') {
      return {path.substr(0, dot), path.substr(dot)};
    }
  }
  return {path, ""};
}

/// urllib's _splittype: "scheme:rest" when the text before the first colon
/// has no slash; the scheme lowercased.
std::pair<std::string, std::string> split_scheme(std::string_view name) {
  const auto colon = name.find(':');
  if (colon == std::string_view::npos || colon == 0 ||
      name.substr(0, colon).find('/') != std::string_view::npos) {
    return {"", std::string{name}};
  }
  return {lower(name.substr(0, colon)), std::string{name.substr(colon + 1)}};
}

std::optional<std::string> find(const std::unordered_map<std::string, std::string>& map,
                                const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? std::nullopt : std::optional<std::string>{it->second};
}

}  // namespace

content_types::content_types() {
  for (const auto& [ext, type] : builtin_images) {
    strict_[ext] = type;
  }
  for (const auto& [ext, type] : builtin_extras) {
    extra_[ext] = type;
  }
}

content_types content_types::for_this_host() {
  content_types types;
  for (const char* path : known_files) {
    std::ifstream in{path};
    if (!in) {
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    types.read(text.str());
  }
  return types;
}

void content_types::read(std::string_view mime_types) {
  std::istringstream lines{std::string{mime_types}};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words{line};
    std::string type, word;
    if (!(words >> type) || type[0] == '#') {
      continue;
    }
    while (words >> word && word[0] != '#') {
      strict_["." + word] = type;
    }
  }
}

std::optional<std::string> content_types::type_of(std::string_view name) const {
  auto [scheme, rest] = split_scheme(name);
  if (scheme == "data") {
    // A data URL names its own type, which needs a slash no file name has.
    if (rest.find(',') == std::string::npos) {
      return std::nullopt;
    }
    return std::string{"text/plain"};
  }

  auto [base, ext] = split_extension(rest);
  for (bool expanded = true; expanded;) {
    expanded = false;
    for (const auto& [from, to] : suffix_map) {
      if (lower(ext) == from) {
        std::tie(base, ext) = split_extension(base + to);
        expanded = true;
        break;
      }
    }
  }
  if (std::find(std::begin(encodings), std::end(encodings), ext) != std::end(encodings)) {
    std::tie(base, ext) = split_extension(base);
  }
  const auto key = lower(ext);
  if (auto type = find(strict_, key)) {
    return type;
  }
  return find(extra_, key);
}

bool content_types::is_image(std::string_view name) const {
  const auto dot = name.rfind('.');
  const auto last = dot == std::string_view::npos ? name : name.substr(dot + 1);
  for (const auto& [suffix, kind] : comfy_answers) {
    if (last == suffix) {
      return std::string_view{kind} == "image";
    }
  }
  // ComfyUI also remembers each answer by that last part for the life of its
  // process, so that a name like "png" (no dot) is listed once some "x.png"
  // was seen. drover judges every name on its own, on purpose: a listing
  // must not depend on what earlier requests listed.
  auto type = type_of(name);
  return type && type->substr(0, type->find('/')) == "image";
}

}  // namespace drover::coordinator
