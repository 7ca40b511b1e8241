#pragma once

// The result store server (docs/store.md): a ZeroMQ ROUTER that keeps every
// input, output and temp file of the farm under `<root>/<type>/<subfolder>/`
// and hands out farm-wide file counters. Serves on its own thread.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/result.hpp"

namespace drover::coordinator {

/// A running result store. `stop` (or destruction) ends the serving thread
/// cleanly; both are safe to call from any one owner thread.
class result_store {
 public:
  /// Binds `tcp://host:port` (0: an ephemeral port) and starts serving files
  /// under `root` (created if needed). Fails when the port is taken or the
  /// folder cannot be created.
  static actors::result<std::unique_ptr<result_store>> start(const std::string& root,
                                                             const std::string& host,
                                                             std::uint16_t port);
  ~result_store();
  result_store(const result_store&) = delete;
  result_store& operator=(const result_store&) = delete;

  /// The port it bound.
  std::uint16_t port() const;

  /// Whether `<root>/<type>/<path>` is a file. `path` must already have passed
  /// the store's name checks. Thread-safe.
  bool exists(const std::string& type, const std::string& path) const;

  /// The names of the regular files (or links to them) directly in the
  /// `type` folder, sorted bytewise; files the store is still writing are
  /// left out. A folder nothing was stored in yet is empty. Thread-safe.
  actors::result<std::vector<std::string>> list(const std::string& type) const;

  void stop();

 private:
  struct state;
  explicit result_store(std::unique_ptr<state> s);
  std::unique_ptr<state> state_;
};

}  // namespace drover::coordinator
