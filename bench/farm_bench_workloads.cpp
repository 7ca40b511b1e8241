#include "bench/farm_bench_workloads.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

namespace drover::bench {

namespace {

// Generous: a burst of thousands of prompts on two shared cores.
constexpr std::chrono::minutes burst_timeout{5};
constexpr std::chrono::seconds prompt_timeout{30};

json empty_image(std::uint32_t color, int side) {
  return {{"class_type", "EmptyImage"},
          {"inputs",
           {{"width", side}, {"height", side}, {"batch_size", 1}, {"color", color}}}};
}

json preview_of(const char* node) {
  return {{"class_type", "PreviewImage"},
          {"inputs", {{"images", json::array({node, 0})}}}};
}

double ms_between(bench_clock::time_point from, bench_clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace

distinct_colors::distinct_colors()
    : next_(static_cast<std::uint32_t>(bench_clock::now().time_since_epoch().count() &
                                       0x7FFFFF)) {}

std::uint32_t distinct_colors::next() {
  return next_.fetch_add(1) & 0xFFFFFF;
}

json preview_prompt(std::uint32_t color, int side) {
  return {{"1", empty_image(color, side)}, {"2", preview_of("1")}};
}

json hold_prompt(std::uint32_t color, double seconds) {
  return {{"1", empty_image(color, 8)},
          {"2",
           {{"class_type", "TestSyncProgressUpdate"},
            {"inputs", {{"value", json::array({"1", 0})}, {"sleep_seconds", seconds}}}}},
          {"3", preview_of("2")}};
}

actors::result<std::string> submit(const bench_target& target, const json& prompt) {
  const json body = {{"prompt", prompt}, {"client_id", target.client_id}};
  DROVER_TRY(response,
             client::http_request(target.address, "POST", "/prompt", body.dump()));
  auto answer = json::parse(response.body, nullptr, false);
  if (response.status != 200 || answer.is_discarded() || !answer.is_object() ||
      !answer.contains("prompt_id") || !answer["prompt_id"].is_string()) {
    return actors::fail(actors::errc::invalid_input,
                        "prompt refused: status " + std::to_string(response.status) +
                            " " + response.body.substr(0, 300));
  }
  return answer["prompt_id"].get<std::string>();
}

actors::result<std::vector<double>> submit_to_start_ms(const bench_target& target,
                                                       distinct_colors& colors,
                                                       std::size_t count) {
  std::vector<double> latencies;
  latencies.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto prompt = preview_prompt(colors.next());
    const auto sent = bench_clock::now();
    DROVER_TRY(prompt_id, submit(target, prompt));
    DROVER_TRY(started, target.listener->await_start(prompt_id, prompt_timeout));
    DROVER_TRY(ignored, target.listener->await_success(prompt_id, prompt_timeout));
    (void)ignored;  // awaited so that the next prompt meets an idle farm
    latencies.push_back(ms_between(sent, started));
  }
  return latencies;
}

actors::result<double> run_burst(const bench_target& target,
                                 const std::vector<json>& prompts, unsigned parallel) {
  std::vector<std::string> ids(prompts.size());
  std::atomic<std::size_t> next{0};
  std::mutex failure_mutex;
  std::optional<actors::error> failure;

  // Each connection takes the next prompt until none is left or one failed.
  auto submitter = [&] {
    for (auto i = next.fetch_add(1); i < prompts.size(); i = next.fetch_add(1)) {
      auto id = submit(target, prompts[i]);
      if (!id.has_value()) {
        std::lock_guard lock{failure_mutex};
        failure = id.error();
        next = prompts.size();
        return;
      }
      ids[i] = std::move(id.value());
    }
  };
  const auto first_post = bench_clock::now();
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < std::max(1u, parallel); ++t) {
    threads.emplace_back(submitter);
  }
  for (auto& thread : threads) {
    thread.join();
  }
  if (failure.has_value()) {
    return *failure;
  }

  // A prompt counts only once its execution_success arrived.
  auto last = first_post;
  for (const auto& id : ids) {
    DROVER_TRY(done, target.listener->await_success(id, burst_timeout));
    last = std::max(last, done);
  }
  return std::chrono::duration<double>(last - first_post).count();
}

}  // namespace drover::bench
