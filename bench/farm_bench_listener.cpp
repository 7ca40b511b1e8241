#include "bench/farm_bench_listener.hpp"

#include "actors/json.hpp"

namespace drover::bench {

actors::result<std::unique_ptr<event_listener>> event_listener::connect(
    const client::gateway_address& address, const std::string& client_id) {
  DROVER_TRY(ws, client::ws_client::connect(address, client_id));
  return std::make_unique<event_listener>(std::move(ws));
}

event_listener::event_listener(client::ws_client ws)
    : ws_(std::move(ws)), reader_([this] { read_loop(); }) {}

event_listener::~event_listener() {
  {
    std::lock_guard lock{mutex_};
    stop_ = true;
  }
  reader_.join();
}

void event_listener::read_loop() {
  // A short read timeout only bounds how long the destructor waits.
  constexpr std::chrono::milliseconds poll{50};
  for (;;) {
    {
      std::lock_guard lock{mutex_};
      if (stop_) {
        return;
      }
    }
    auto frame = ws_.next(poll);
    const auto arrived = bench_clock::now();
    if (!frame.has_value()) {
      std::lock_guard lock{mutex_};
      lost_ = true;
      changed_.notify_all();
      return;
    }
    if (frame.value().has_value() && frame.value()->text) {
      take(frame.value()->data, arrived);
    }
  }
}

void event_listener::take(const std::string& text, bench_clock::time_point arrived) {
  // Progress and executing messages are the bulk; only execution_* matter.
  if (text.find("\"execution_") == std::string::npos) {
    return;
  }
  auto message = json::parse(text, nullptr, false);
  if (message.is_discarded() || !message.is_object() || !message.contains("data")) {
    return;
  }
  const auto type = message.value("type", std::string{});
  const auto& data = message["data"];
  if (!data.is_object() || !data.contains("prompt_id") ||
      !data["prompt_id"].is_string()) {
    return;
  }

  std::lock_guard lock{mutex_};
  auto& entry = prompts_[data["prompt_id"].get<std::string>()];
  if (type == "execution_start") {
    entry.start = arrived;
  } else if (type == "execution_success") {
    entry.success = arrived;
  } else if (type == "execution_error" || type == "execution_interrupted") {
    entry.failed = true;
  } else {
    return;
  }
  changed_.notify_all();
}

actors::result<bench_clock::time_point> event_listener::await(
    const std::string& prompt_id, std::optional<bench_clock::time_point> record::*field,
    std::chrono::milliseconds timeout) {
  std::unique_lock lock{mutex_};
  const auto deadline = bench_clock::now() + timeout;
  for (;;) {
    auto found = prompts_.find(prompt_id);
    if (found != prompts_.end() && (found->second.*field).has_value()) {
      return *(found->second.*field);
    }
    if (found != prompts_.end() && found->second.failed) {
      return actors::fail(actors::errc::execution, "prompt " + prompt_id + " failed");
    }
    if (lost_) {
      return actors::fail(actors::errc::unavailable, "websocket lost");
    }
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      return actors::fail(actors::errc::timeout, "no message for prompt " + prompt_id);
    }
  }
}

actors::result<bench_clock::time_point> event_listener::await_start(
    const std::string& prompt_id, std::chrono::milliseconds timeout) {
  return await(prompt_id, &record::start, timeout);
}

actors::result<bench_clock::time_point> event_listener::await_success(
    const std::string& prompt_id, std::chrono::milliseconds timeout) {
  return await(prompt_id, &record::success, timeout);
}

void event_listener::clear() {
  std::lock_guard lock{mutex_};
  prompts_.clear();
}

}  // namespace drover::bench
