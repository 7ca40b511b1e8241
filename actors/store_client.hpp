#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "actors/result.hpp"
#include "actors/store_protocol.hpp"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace drover::actors {

/// A blocking client of the result store (docs/store.md). One request at a
/// time; not thread-safe: give each thread its own client. A request that
/// gets no reply within the timeout fails with errc::timeout, and the socket is
/// replaced so that a late reply cannot be mistaken for the next one.
class store_client {
 public:
  /// Connects lazily to `endpoint` (`tcp://host:port`) on first use.
  store_client(zmq::context_t& context, std::string endpoint,
               std::chrono::milliseconds timeout = std::chrono::seconds{30});
  ~store_client();
  store_client(const store_client&) = delete;
  store_client& operator=(const store_client&) = delete;

  /// Reserves `count` consecutive file counters for files named
  /// `<prefix>_<counter:05>_...` in `folder.type`/`folder.subfolder`, the
  /// farm-wide equivalent of ComfyUI scanning its output folder. Returns the
  /// first; the counters are never handed out again.
  result<std::uint64_t> reserve(const store_file& folder, std::string_view prefix,
                                std::uint32_t count);

  /// Stores `bytes` as `file`, replacing a file of that name.
  result<void> put(const store_file& file, std::string_view bytes);

  /// The contents of `file`; errc::not_found when there is none.
  result<std::string> get(const store_file& file);

 private:
  struct reply;
  /// Sends [verb, header, body?] and waits for the reply that repeats `id`.
  result<reply> call(std::string_view verb, std::uint64_t id, const std::string& header,
                     const std::string_view* body);
  zmq::socket_t& socket();

  zmq::context_t& context_;
  std::string endpoint_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::uint64_t next_id_ = 1;
};

}  // namespace drover::actors
