#pragma once

// The benchmark's view of a gateway's WebSocket: a thread reads every frame as
// it arrives and stamps when each prompt started and succeeded, so that the
// time of arrival does not wait for the code that awaits it.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "actors/result.hpp"
#include "client/gateway_client.hpp"

namespace drover::bench {

using bench_clock = std::chrono::steady_clock;

/// A WebSocket of client `client_id` and the thread that reads it. Created
/// connected; the destructor stops the thread. The await calls may come from
/// any thread.
class event_listener {
 public:
  /// Connects to `address` as `client_id`. Fails as ws_client::connect does.
  static actors::result<std::unique_ptr<event_listener>> connect(
      const client::gateway_address& address, const std::string& client_id);

  explicit event_listener(client::ws_client ws);
  event_listener(const event_listener&) = delete;
  event_listener& operator=(const event_listener&) = delete;
  ~event_listener();

  /// When `execution_start` of `prompt_id` arrived, waiting up to `timeout`.
  /// Fails with errc::timeout, errc::execution when the prompt ended with
  /// `execution_error` or `execution_interrupted`, errc::unavailable once
  /// the connection is lost.
  actors::result<bench_clock::time_point> await_start(const std::string& prompt_id,
                                                      std::chrono::milliseconds timeout);

  /// When `execution_success` of `prompt_id` arrived; fails as await_start.
  actors::result<bench_clock::time_point> await_success(
      const std::string& prompt_id, std::chrono::milliseconds timeout);

  /// Forgets every prompt seen so far (between repetitions).
  void clear();

 private:
  struct record {
    std::optional<bench_clock::time_point> start;
    std::optional<bench_clock::time_point> success;
    bool failed = false;
  };

  void read_loop();
  void take(const std::string& text, bench_clock::time_point arrived);
  actors::result<bench_clock::time_point> await(
      const std::string& prompt_id, std::optional<bench_clock::time_point> record::*field,
      std::chrono::milliseconds timeout);

  client::ws_client ws_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::unordered_map<std::string, record> prompts_;
  bool lost_ = false;
  bool stop_ = false;
  std::thread reader_;
};

}  // namespace drover::bench
