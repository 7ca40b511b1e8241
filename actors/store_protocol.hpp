#pragma once

// The result store's wire format (docs/store.md): a ZeroMQ ROUTER on the
// coordinator's host that keeps every input, output and temp file of the farm,
// so that any gateway can serve any file, also after the worker that made it
// has gone. Requests and replies are multipart messages:
//
//   request: [verb, header (msgpack map), body?]
//   reply:   ["ok" | "error", header (msgpack map), body?]
//
// Every header carries the request `id`, which the reply repeats.

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/result.hpp"

namespace drover::actors {

/// A file in the store, named as ComfyUI names files: a folder type
/// (`input`, `output` or `temp`), a subfolder (may be empty, may contain `/`)
/// and a file name.
struct store_file {
  std::string type = "output";
  std::string subfolder;
  std::string filename;
};

/// Accepts `input`, `output` and `temp`.
bool is_store_type(std::string_view type);

/// Checks that `subfolder` is a relative path that stays inside its folder:
/// no leading `/`, no `..` or `.` component, no backslash, no NUL, no empty
/// component. An empty subfolder is fine.
result<void> check_subfolder(std::string_view subfolder);

/// Checks that `filename` is a plain file name: not empty, not `.` or `..`,
/// no `/`, backslash or NUL.
result<void> check_filename(std::string_view filename);

/// All three checks above, plus the type.
result<void> check_store_file(const store_file& file);

}  // namespace drover::actors
