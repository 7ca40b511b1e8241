#pragma once

// The client side of the farm workloads: the prompts they submit and the two
// ways they are driven (one at a time for latency, a burst for throughput and
// makespans). Nothing here knows whether the server is drover or ComfyUI.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/json.hpp"
#include "actors/result.hpp"
#include "bench/farm_bench_listener.hpp"
#include "client/gateway_client.hpp"

namespace drover::bench {

/// Colors for EmptyImage that no earlier prompt of this process used, so that
/// no output is cached; a random start keeps them apart across runs against a
/// server that lives longer than the process. Thread-safe.
class distinct_colors {
 public:
  distinct_colors();
  std::uint32_t next();

 private:
  std::atomic<std::uint32_t> next_;
};

/// EmptyImage `side`×`side` of `color` → PreviewImage: ComfyUI core nodes only.
json preview_prompt(std::uint32_t color, int side = 64);

/// EmptyImage 8×8 of `color` → TestSyncProgressUpdate holding the worker for
/// `seconds` (scaled by the worker's testing speed) → PreviewImage.
json hold_prompt(std::uint32_t color, double seconds);

/// Where the prompts go and who hears about them.
struct bench_target {
  client::gateway_address address;
  std::string client_id;
  event_listener* listener = nullptr;  ///< connected as client_id; not owned
};

/// POSTs `prompt` to /prompt as the target's client; its prompt_id. Fails with
/// errc::invalid_input when the server refuses the prompt, or as
/// client::http_request does.
actors::result<std::string> submit(const bench_target& target, const json& prompt);

/// Submits `count` preview prompts one at a time, each awaited to its
/// `execution_success` before the next; the milliseconds from sending each
/// POST to receiving its `execution_start`.
actors::result<std::vector<double>> submit_to_start_ms(const bench_target& target,
                                                       distinct_colors& colors,
                                                       std::size_t count);

/// Submits every prompt of `prompts` from `parallel` connections at once and
/// awaits every `execution_success`; the seconds from the first POST to the
/// last success. Fails on the first refused or failed prompt.
actors::result<double> run_burst(const bench_target& target,
                                 const std::vector<json>& prompts, unsigned parallel);

}  // namespace drover::bench
