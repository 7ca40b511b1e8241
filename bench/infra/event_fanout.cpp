#include "bench/infra/event_fanout.hpp"

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "actors/json.hpp"
#include "cli/local_farm.hpp"
#include "client/gateway_client.hpp"

namespace drover::bench {

namespace {

using clock = std::chrono::steady_clock;
constexpr auto quiet_limit = std::chrono::seconds{60};

/// One client's view of its prompt's progress.
struct client_tally {
  std::size_t received = 0;
  std::size_t lost = 0;
  std::size_t order_violations = 0;
  std::int64_t last_value = 0;
  bool dropped = false;  ///< the gateway closed the socket before the end
  std::string failure;
};

json flood_prompt(std::size_t seed, std::size_t count) {
  return {
      {"1", {{"class_type", "StubInt"}, {"inputs", {{"value", seed}}}}},
      {"2",
       {{"class_type", "DroverTestProgressFlood"},
        {"inputs", {{"value", json::array({"1", 0})}, {"count", count}}}}},
      {"3",
       {{"class_type", "PreviewAny"}, {"inputs", {{"source", json::array({"2", 0})}}}}}};
}

/// Counts one `progress` message: values must rise by one from 1.
void check_progress(client_tally& tally, const json& data) {
  auto value = static_cast<std::int64_t>(data.value("value", 0.0));
  ++tally.received;
  if (value <= tally.last_value) {
    ++tally.order_violations;
    return;
  }
  tally.lost += static_cast<std::size_t>(value - tally.last_value - 1);
  tally.last_value = value;
}

/// Whether a text frame can matter to the tally. Every progress event also
/// brings a `progress_state` message; skipping those unparsed keeps the
/// clients' share of the two cores small.
bool worth_parsing(const std::string& text) {
  return text.find("\"progress\"") != std::string::npos ||
         text.find("\"execution_") != std::string::npos;
}

/// Reads `ws` until the prompt `prompt_id` succeeded or the gateway dropped
/// the connection (`tally.dropped`: the rest of the events count as lost).
/// Anything else ends the run with `tally.failure`.
void follow_prompt(client::ws_client& ws, const std::string& prompt_id,
                   client_tally& tally) {
  while (true) {
    auto frame = ws.next(quiet_limit);
    if (!frame) {
      tally.dropped = true;
      return;
    }
    if (!frame.value()) {
      tally.failure = "no message for 60 s";
      return;
    }
    if (!frame.value()->text || !worth_parsing(frame.value()->data)) {
      continue;
    }
    auto message = json::parse(frame.value()->data, nullptr, false);
    auto type = message.value("type", "");
    const auto& data = message["data"];
    if (!data.is_object() || data.value("prompt_id", "") != prompt_id) {
      continue;
    }
    if (type == "progress") {
      check_progress(tally, data);
    } else if (type == "execution_success") {
      return;
    } else if (type == "execution_error" || type == "execution_interrupted") {
      tally.failure = type + ": " + data.dump();
      return;
    }
  }
}

/// One client: connect, submit its own prompt, follow it to the end.
void run_client(const client::gateway_address& address, std::size_t index,
                std::size_t seed, std::size_t count, client_tally& tally) {
  auto client_id = "flood-" + std::to_string(index);
  auto ws = client::ws_client::connect(address, client_id);
  if (!ws) {
    tally.failure = ws.error().message;
    return;
  }
  json body = {{"prompt", flood_prompt(seed, count)}, {"client_id", client_id}};
  auto reply = client::http_request(address, "POST", "/prompt", body.dump());
  if (!reply || reply.value().status != 200) {
    tally.failure = reply ? "POST /prompt: " + reply.value().body : reply.error().message;
    return;
  }
  auto prompt_id = json::parse(reply.value().body, nullptr, false).value("prompt_id", "");
  follow_prompt(ws.value(), prompt_id, tally);
  tally.lost += count - static_cast<std::size_t>(tally.last_value);
}

actors::result<fanout_run> one_rep(const client::gateway_address& address,
                                   const fanout_setup& setup, std::size_t rep) {
  std::vector<client_tally> tallies(setup.clients);
  std::vector<std::thread> threads;
  auto start = clock::now();
  for (std::size_t i = 0; i < setup.clients; ++i) {
    // A distinct seed per prompt keeps the workers' caches out of the way.
    auto seed = rep * setup.clients + i;
    threads.emplace_back(
        [&, i, seed] { run_client(address, i, seed, setup.count, tallies[i]); });
  }
  for (auto& t : threads) {
    t.join();
  }

  fanout_run run;
  run.seconds = std::chrono::duration<double>(clock::now() - start).count();
  for (const auto& tally : tallies) {
    if (!tally.failure.empty()) {
      return actors::fail(actors::errc::unavailable, "client: " + tally.failure);
    }
    run.received += tally.received;
    run.lost += tally.lost;
    run.order_violations += tally.order_violations;
    run.dropped_clients += tally.dropped ? 1 : 0;
  }
  return run;
}

}  // namespace

actors::result<void> run_event_fanout(
    const fanout_setup& setup, int reps,
    const std::function<void(const fanout_run&)>& sample) {
  std::string data_dir =
      (std::filesystem::temp_directory_path() / "drover-bench-events-XXXXXX").string();
  if (!::mkdtemp(data_dir.data())) {
    return actors::fail(actors::errc::io_failure, "cannot create a temp folder");
  }
  cli::local_farm_options options;
  options.binary = setup.binary;
  options.gateway_port = 0;
  options.workers = static_cast<std::uint32_t>(setup.workers);
  options.data_dir = data_dir;
  options.log_level = "warn";
  options.enable_testing_nodes = true;
  options.cache_none = true;
  auto result = [&]() -> actors::result<void> {
    DROVER_TRY(farm, cli::local_farm::start(options));
    DROVER_TRY(address, client::parse_url(farm.url()));
    for (int rep = 0; rep < reps; ++rep) {
      DROVER_TRY(run, one_rep(address, setup, static_cast<std::size_t>(rep)));
      sample(run);
    }
    return actors::ok();
  }();
  std::error_code ignored;  // a leftover temp folder is harmless
  std::filesystem::remove_all(data_dir, ignored);
  return result;
}

}  // namespace drover::bench
