#pragma once

#include <functional>
#include <string>

#include "actors/result.hpp"
#include "actors/store_protocol.hpp"

namespace drover::gateway {

using file_callback = std::function<void(actors::result<std::string>)>;
using stored_callback = std::function<void(actors::result<void>)>;

/// Where `GET /view` reads files from and uploads write them to, as a seam: the process
/// uses the result store (docs/store.md), tests a folder in memory. `fetch` returns at
/// once and runs its callback exactly once, later, on any thread; a missing
/// file gives errc::not_found. Thread-safe.
class file_source {
 public:
  virtual ~file_source() = default;
  virtual void fetch(actors::store_file file, file_callback done) = 0;
  /// Writes `bytes` as `file`, replacing a file of that name; runs `done`
  /// exactly once, later, on any thread.
  virtual void store(actors::store_file file, std::string bytes,
                     stored_callback done) = 0;
};

}  // namespace drover::gateway
