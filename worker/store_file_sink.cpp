#include "worker/store_file_sink.hpp"

#include "actors/store_client.hpp"

namespace drover::worker {

store_file_sink::store_file_sink(zmq::context_t& context, std::string endpoint)
    : endpoint_(std::move(endpoint)),
      client_(std::make_unique<actors::store_client>(context, endpoint_)) {}

store_file_sink::~store_file_sink() = default;

actors::result<std::uint64_t> store_file_sink::reserve(const actors::store_file& folder,
                                                       std::string_view prefix,
                                                       std::uint32_t count) {
  return client_->reserve(folder, prefix, count);
}

actors::result<void> store_file_sink::put(const actors::store_file& file,
                                          std::string_view bytes) {
  return client_->put(file, bytes);
}

actors::result<std::string> store_file_sink::get(const actors::store_file& file) {
  return client_->get(file);
}

}  // namespace drover::worker
