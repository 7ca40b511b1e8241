#include "bench/farm_bench_suite.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <stdlib.h>

#include "actors/log.hpp"
#include "bench/farm_bench_listener.hpp"
#include "bench/farm_bench_workloads.hpp"
#include "cli/local_farm.hpp"

namespace drover::bench {

namespace {

constexpr const char* client_id = "drover-bench";
constexpr std::size_t warmup_prompts = 10;
constexpr double hold_seconds = 0.1;
constexpr std::size_t holds_per_worker = 20;
constexpr std::size_t heterogeneous_prompts = 70;

/// A server the workloads talk to: a local farm this process started (and
/// stops), or one already running elsewhere.
struct session {
  std::string data_dir;  ///< the farm's; empty for a server not ours
  std::optional<cli::local_farm> farm;
  std::unique_ptr<event_listener> listener;
  bench_target target;

  ~session() {
    // The WebSocket goes before the gateway, so its reader sees no drop.
    listener.reset();
    if (farm.has_value()) {
      farm->stop();
    }
    if (!data_dir.empty()) {
      std::error_code ignored;  // a leftover temporary folder harms nothing
      std::filesystem::remove_all(data_dir, ignored);
    }
  }
};

actors::result<void> listen(session& s, const client::gateway_address& address) {
  DROVER_TRY(listener, event_listener::connect(address, client_id));
  s.listener = std::move(listener);
  s.target = bench_target{address, client_id, s.listener.get()};
  return actors::ok();
}

actors::result<std::unique_ptr<session>> open_farm(const suite_options& options,
                                                   cli::local_farm_options layout) {
  auto s = std::make_unique<session>();
  std::string pattern =
      (std::filesystem::temp_directory_path() / "drover-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return actors::fail(actors::errc::io_failure, "cannot create a data folder");
  }
  s->data_dir = pattern;
  layout.binary = options.binary;
  layout.gateway_port = 0;
  layout.data_dir = s->data_dir;
  layout.log_level = "warn";
  DROVER_TRY(farm, cli::local_farm::start(layout));
  s->farm.emplace(std::move(farm));
  DROVER_TRY(address, client::parse_url(s->farm->url()));
  DROVER_TRYV(listen(*s, address));
  return s;
}

actors::result<std::unique_ptr<session>> open_server(const std::string& url) {
  auto s = std::make_unique<session>();
  DROVER_TRY(address, client::parse_url(url));
  DROVER_TRYV(listen(*s, address));
  return s;
}

cli::local_farm_options farm_of(std::uint32_t workers, bool testing_nodes = false) {
  cli::local_farm_options layout;
  layout.workers = workers;
  layout.enable_testing_nodes = testing_nodes;
  return layout;
}

void add_logged(fragment& out, const std::string& key, const figure& value) {
  if (!value.samples.empty()) {
    actors::logger("bench")->info("figure measured key={} median={} reps={}", key,
                                  median(value.samples), value.samples.size());
  }
  out.add(key, value);
}

void note_failure(fragment& out, const std::string& what, const actors::error& e) {
  actors::logger("bench")->warn("workload failed what={} error={}", what,
                                actors::describe(e));
  out.note(what + ": " + actors::describe(e));
}

/// Warm-up prompts (not counted), then `reps` runs of n one-at-a-time prompts.
void latency_figures(session& s, const suite_options& options, const std::string& prefix,
                     const std::string& workload, fragment& out) {
  distinct_colors colors;
  if (auto warm = submit_to_start_ms(s.target, colors, warmup_prompts); !warm) {
    return note_failure(out, prefix + "submit_to_start_ms warm-up", warm.error());
  }
  figure p50{{}, "ms", workload};
  figure p99{{}, "ms", workload};
  for (int rep = 0; rep < options.reps; ++rep) {
    auto ms = submit_to_start_ms(s.target, colors, options.latency_prompts);
    if (!ms.has_value()) {
      note_failure(out, prefix + "submit_to_start_ms rep " + std::to_string(rep),
                   ms.error());
      continue;
    }
    p50.samples.push_back(quantile(ms.value(), 0.50));
    p99.samples.push_back(quantile(ms.value(), 0.99));
  }
  add_logged(out, prefix + "submit_to_start_ms_p50", p50);
  add_logged(out, prefix + "submit_to_start_ms_p99", p99);
}

/// `reps` bursts of the prompts `make` returns; prompts per second each.
template <class Make>
void burst_figure(session& s, const suite_options& options, const std::string& key,
                  const std::string& workload, Make make, fragment& out) {
  figure rate{{}, "prompts/s", workload};
  for (int rep = 0; rep < options.reps; ++rep) {
    s.listener->clear();
    const std::vector<json> prompts = make();
    auto seconds = run_burst(s.target, prompts, options.parallel);
    if (!seconds.has_value()) {
      note_failure(out, key + " rep " + std::to_string(rep), seconds.error());
      continue;
    }
    rate.samples.push_back(static_cast<double>(prompts.size()) / seconds.value());
  }
  add_logged(out, key, rate);
}

std::vector<json> distinct_previews(distinct_colors& colors, std::size_t count) {
  std::vector<json> prompts;
  for (std::size_t i = 0; i < count; ++i) {
    prompts.push_back(preview_prompt(colors.next()));
  }
  return prompts;
}

std::string burst_words(const suite_options& options, std::size_t count) {
  return std::to_string(count) + " prompts from " + std::to_string(options.parallel) +
         " connections, until the last execution_success";
}

void throughput_figure(session& s, const suite_options& options, const std::string& key,
                       const std::string& where, fragment& out) {
  distinct_colors colors;
  const auto workload = where + ", distinct EmptyImage 64x64 -> PreviewImage, " +
                        burst_words(options, options.burst_prompts);
  burst_figure(
      s, options, key, workload,
      [&] { return distinct_previews(colors, options.burst_prompts); }, out);
}

void cached_figure(session& s, const suite_options& options, const std::string& key,
                   const std::string& where, fragment& out) {
  const auto same = preview_prompt(distinct_colors{}.next());

  // The first run fills the cache; the figure is about the runs after it.
  if (auto first = run_burst(s.target, {same}, 1); !first.has_value()) {
    return note_failure(out, key + " first run", first.error());
  }
  const auto workload = where +
                        ", one EmptyImage 64x64 -> PreviewImage prompt repeated, " +
                        burst_words(options, options.cached_prompts);
  burst_figure(
      s, options, key, workload,
      [&] { return std::vector<json>(options.cached_prompts, same); }, out);
}

}  // namespace

void measure_latency(const suite_options& options, fragment& out) {
  auto s = open_farm(options, farm_of(2));
  if (!s.has_value()) {
    return note_failure(out, "submit_to_start_ms farm", s.error());
  }
  latency_figures(
      *s.value(), options, "",
      "idle farm, 2 workers, EmptyImage 64x64 -> PreviewImage, one at a time, "
      "n=" +
          std::to_string(options.latency_prompts) + " per rep after " +
          std::to_string(warmup_prompts) + " warm-up prompts",
      out);
}

void measure_throughput(const suite_options& options, fragment& out) {
  for (std::uint32_t workers : {1u, 2u, 4u}) {
    const auto key = "prompts_per_s_" + std::to_string(workers) + "w";
    auto s = open_farm(options, farm_of(workers));
    if (!s.has_value()) {
      note_failure(out, key + " farm", s.error());
      continue;
    }
    throughput_figure(
        *s.value(), options, key,
        "farm of " + std::to_string(workers) + (workers == 1 ? " worker" : " workers"),
        out);
  }
}

void measure_cached(const suite_options& options, fragment& out) {
  auto s = open_farm(options, farm_of(1));
  if (!s.has_value()) {
    return note_failure(out, "cached_prompts_per_s farm", s.error());
  }
  cached_figure(*s.value(), options, "cached_prompts_per_s", "farm of 1 worker", out);
}

void measure_scaling(const suite_options& options, fragment& out) {
  for (std::uint32_t workers : {1u, 2u, 4u, 8u, 16u}) {
    const auto key = "scaling_efficiency_" + std::to_string(workers) + "w";
    auto s = open_farm(options, farm_of(workers, true));
    if (!s.has_value()) {
      note_failure(out, key + " farm", s.error());
      continue;
    }
    const auto count = holds_per_worker * workers;
    const double ideal = static_cast<double>(holds_per_worker) * hold_seconds;
    figure efficiency{{},
                      "ratio",
                      std::to_string(workers) + " workers, " + std::to_string(count) +
                          " distinct TestSyncProgressUpdate 0.1 s prompts, ideal " +
                          "makespan 2 s / measured (first POST to last success)"};
    distinct_colors colors;
    for (int rep = 0; rep < options.reps; ++rep) {
      std::vector<json> prompts;
      for (std::size_t i = 0; i < count; ++i) {
        prompts.push_back(hold_prompt(colors.next(), hold_seconds));
      }
      auto seconds = run_burst(s.value()->target, prompts, options.parallel);
      if (!seconds.has_value()) {
        note_failure(out, key + " rep " + std::to_string(rep), seconds.error());
        continue;
      }
      efficiency.samples.push_back(ideal / seconds.value());
    }
    add_logged(out, key, efficiency);
  }
}

void measure_heterogeneous(const suite_options& options, fragment& out) {
  const std::string key = "heterogeneous_makespan_ratio";
  auto layout = farm_of(3, true);
  layout.worker_args = {
      {"--testing-speed", "1"}, {"--testing-speed", "2"}, {"--testing-speed", "4"}};
  auto s = open_farm(options, layout);
  if (!s.has_value()) {
    return note_failure(out, key + " farm", s.error());
  }

  // Total work 70 x 0.1 s over a total speed of 1 + 2 + 4.
  const double ideal = heterogeneous_prompts * hold_seconds / 7.0;
  figure ratio{{},
               "ratio",
               "workers 1x, 2x, 4x fast, 70 distinct TestSyncProgressUpdate 0.1 s "
               "prompts, measured makespan / ideal (1.0 s)"};
  distinct_colors colors;
  for (int rep = 0; rep < options.reps; ++rep) {
    std::vector<json> prompts;
    for (std::size_t i = 0; i < heterogeneous_prompts; ++i) {
      prompts.push_back(hold_prompt(colors.next(), hold_seconds));
    }
    auto seconds = run_burst(s.value()->target, prompts, options.parallel);
    if (!seconds.has_value()) {
      note_failure(out, key + " rep " + std::to_string(rep), seconds.error());
      continue;
    }
    ratio.samples.push_back(seconds.value() / ideal);
  }
  add_logged(out, key, ratio);
}

void measure_comfyui(const suite_options& options, const std::string& url,
                     fragment& out) {
  auto s = open_server(url);
  if (!s.has_value()) {
    return note_failure(out, "comfyui at " + url, s.error());
  }
  const auto where = "server at " + url;
  latency_figures(*s.value(), options, "comfyui_",
                  where + ", EmptyImage 64x64 -> PreviewImage, one at a time, n=" +
                      std::to_string(options.latency_prompts) + " per rep",
                  out);
  throughput_figure(*s.value(), options, "comfyui_prompts_per_s_1w", where, out);
  cached_figure(*s.value(), options, "comfyui_cached_prompts_per_s", where, out);
  // TODO(#6): upload a 2048x2048 PNG and time each node class through ComfyUI.
  out.note(
      "comfyui node_ms_* not measured: timing a node inside ComfyUI from its client "
      "API is not built yet");
}

}  // namespace drover::bench
