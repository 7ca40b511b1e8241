#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/result.hpp"
#include "actors/store_protocol.hpp"

namespace drover::worker {

/// Where nodes put the files they produce. In a running worker this is the
/// farm's result store (docs/store.md); the seam exists so that node tests can
/// look at what a node wrote without a farm.
class file_sink {
 public:
  virtual ~file_sink() = default;

  /// Reserves `count` consecutive counters for `<prefix>_<counter:05>_` file
  /// names in `folder` (type and subfolder); returns the first.
  virtual actors::result<std::uint64_t> reserve(const actors::store_file& folder,
                                                std::string_view prefix,
                                                std::uint32_t count) = 0;

  /// Stores `bytes` as `file`.
  virtual actors::result<void> put(const actors::store_file& file,
                                   std::string_view bytes) = 0;

  /// The contents of `file` (an uploaded input, or an earlier output); fails
  /// with errc::not_found when there is none. A sink that cannot read files
  /// keeps this default, which finds none.
  virtual actors::result<std::string> get(const actors::store_file& file) {
    return actors::fail(actors::errc::not_found, "file not found: " + file.filename);
  }
};

}  // namespace drover::worker
