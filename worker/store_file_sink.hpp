#pragma once

#include <memory>
#include <string>

#include "worker/file_sink.hpp"

namespace zmq {
class context_t;
}

namespace drover::actors {
class store_client;
}

namespace drover::worker {

/// The file_sink of a running worker: the farm's result store
/// (docs/store.md) through a blocking `actors::store_client`. Not
/// thread-safe: one execution thread owns it.
class store_file_sink final : public file_sink {
 public:
  /// Borrows `context`; connects to `endpoint` (tcp://host:port) lazily.
  store_file_sink(zmq::context_t& context, std::string endpoint);
  ~store_file_sink() override;

  const std::string& endpoint() const { return endpoint_; }

  actors::result<std::uint64_t> reserve(const actors::store_file& folder,
                                        std::string_view prefix,
                                        std::uint32_t count) override;
  actors::result<void> put(const actors::store_file& file,
                           std::string_view bytes) override;
  actors::result<std::string> get(const actors::store_file& file) override;

 private:
  std::string endpoint_;
  std::unique_ptr<actors::store_client> client_;
};

}  // namespace drover::worker
