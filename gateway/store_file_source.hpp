#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "gateway/file_source.hpp"

namespace drover::gateway {

/// Reads files from the result store (docs/store.md) with blocking
/// `actors::store_client` requests on a small pool of its own threads, so
/// that no io thread ever waits on ZeroMQ. The store's endpoint arrives with
/// the coordinator's `farm_snapshot`; until then fetches fail with
/// errc::unavailable. Thread-safe.
class store_file_source final : public file_source {
 public:
  explicit store_file_source(std::size_t threads = 2,
                             std::chrono::milliseconds timeout = std::chrono::seconds{
                                 10});
  ~store_file_source() override;

  /// `tcp://host:port` of the result store.
  void set_endpoint(std::string endpoint);

  void fetch(actors::store_file file, file_callback done) override;
  void store(actors::store_file file, std::string bytes, stored_callback done) override;

  /// Waits for running fetches and stops the threads; later fetches fail.
  void stop();

 private:
  struct state;
  /// The store's endpoint, or why no request can be made now.
  actors::result<std::string> current_endpoint() const;

  std::unique_ptr<state> state_;
};

}  // namespace drover::gateway
