#pragma once

// What content type a file name has, as ComfyUI decides it for the combos of
// its loader nodes: folder_paths.filter_files_content_types, which asks
// Python's mimetypes.guess_type(name, strict=False) (CPython 3.11's rules:
// `.tgz`-style suffixes expand, compression suffixes are skipped, the type
// suffix is looked up in lowercase) after a few fixed answers of its own.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace drover::coordinator {

/// Python's MIME table, as far as ComfyUI's input lists need it. Immutable
/// once built; any thread may read it.
class content_types {
 public:
  /// Python's built-in table, of which drover keeps the image types and the
  /// non-strict extras: on a host without a mime.types file, other names are
  /// unknown, which filters them out just the same.
  content_types();

  /// The built-in table plus every mime.types file Python reads at start
  /// (/etc/mime.types on Debian, from the media-types package), in Python's
  /// order. A missing or unreadable file is skipped, as Python skips it.
  static content_types for_this_host();

  /// Adds the lines of one mime.types file (`type ext ext…`, `#` comments),
  /// later lines winning, as mimetypes.read does.
  void read(std::string_view mime_types);

  /// mimetypes.guess_type(name, strict=False)'s type, if it knows one.
  std::optional<std::string> type_of(std::string_view name) const;

  /// Whether filter_files_content_types(files, ["image"]) keeps `name`.
  bool is_image(std::string_view name) const;

 private:
  std::unordered_map<std::string, std::string> strict_;  ///< ".ext" → type
  std::unordered_map<std::string, std::string> extra_;   ///< strict=False only
};

}  // namespace drover::coordinator
