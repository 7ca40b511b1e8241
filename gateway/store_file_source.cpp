#include "gateway/store_file_source.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <zmq.hpp>

#include "actors/store_client.hpp"

namespace drover::gateway {

struct store_file_source::state {
  state(std::size_t threads, std::chrono::milliseconds t) : pool(threads), timeout(t) {}

  zmq::context_t context{1};
  boost::asio::thread_pool pool;
  std::chrono::milliseconds timeout;
  std::mutex mutex;
  std::string endpoint;
  bool stopped = false;
};

store_file_source::store_file_source(std::size_t threads,
                                     std::chrono::milliseconds timeout)
    : state_(std::make_unique<state>(threads, timeout)) {}

store_file_source::~store_file_source() {
  stop();
}

void store_file_source::set_endpoint(std::string endpoint) {
  std::lock_guard lock{state_->mutex};
  state_->endpoint = std::move(endpoint);
}

actors::result<std::string> store_file_source::current_endpoint() const {
  std::lock_guard lock{state_->mutex};
  if (state_->stopped) {
    return actors::fail(actors::errc::unavailable, "gateway is stopping");
  }
  if (state_->endpoint.empty()) {
    return actors::fail(actors::errc::unavailable, "result store not known yet");
  }
  return state_->endpoint;
}

void store_file_source::fetch(actors::store_file file, file_callback done) {
  auto current = current_endpoint();
  if (!current) {
    done(current.error());
    return;
  }
  auto endpoint = std::move(current).value();
  boost::asio::post(state_->pool, [s = state_.get(), endpoint = std::move(endpoint),
                                   file = std::move(file), done = std::move(done)] {
    // One short-lived client per fetch: store_client is single-threaded and
    // a fresh DEALER cannot receive a late reply meant for another request.
    actors::store_client client{s->context, endpoint, s->timeout};
    done(client.get(file));
  });
}

void store_file_source::store(actors::store_file file, std::string bytes,
                              stored_callback done) {
  auto current = current_endpoint();
  if (!current) {
    done(current.error());
    return;
  }
  auto endpoint = std::move(current).value();
  boost::asio::post(state_->pool, [s = state_.get(), endpoint = std::move(endpoint),
                                   file = std::move(file), bytes = std::move(bytes),
                                   done = std::move(done)] {
    actors::store_client client{s->context, endpoint, s->timeout};
    done(client.put(file, bytes));
  });
}

void store_file_source::stop() {
  {
    std::lock_guard lock{state_->mutex};
    if (state_->stopped) {
      return;
    }
    state_->stopped = true;
  }
  state_->pool.join();
}

}  // namespace drover::gateway
