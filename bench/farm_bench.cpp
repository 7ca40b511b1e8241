// The farm part of `make bench`: starts real local farms (separate processes
// on loopback), drives them through the gateway's HTTP and WebSocket API and
// writes bench/results/parts/farm.json. With COMFYUI_URL set, the same client
// workloads run against that server too, as `comfyui_` figures.
//   drover_farm_bench [--reps N] [--prompts N] [--only latency,throughput,...]

#include <cstdlib>
#include <set>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "actors/log.hpp"
#include "bench/farm_bench_fragment.hpp"
#include "bench/farm_bench_suite.hpp"

namespace {

using namespace drover::bench;

std::set<std::string> split_list(const std::string& text) {
  std::set<std::string> items;
  std::stringstream in{text};
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) {
      items.insert(item);
    }
  }
  return items;
}

void add_notes(const suite_options& options, fragment& out) {
  if (options.burst_prompts < 2000 || options.cached_prompts < 2000) {
    out.note("throughput bursts of " + std::to_string(options.burst_prompts) +
             " distinct and " + std::to_string(options.cached_prompts) +
             " cached prompts, fewer than the issue's 2,000, to fit the time budget");
  }
}

}  // namespace

int main(int argc, char** argv) {
  suite_options options;
  options.binary = DROVER_BINARY;
  std::string out_dir = std::string{DROVER_SOURCE_DIR} + "/bench/results/parts";
  std::string only = "latency,throughput,cached,scaling,heterogeneous";

  CLI::App app{"drover farm benchmarks"};
  app.add_option("--drover", options.binary, "the drover executable");
  app.add_option("--out", out_dir, "folder of the fragment farm.json");
  app.add_option("--reps", options.reps, "repetitions per figure")
      ->check(CLI::Range(1, 1000));
  app.add_option("--latency-prompts", options.latency_prompts, "prompts per latency rep");
  app.add_option("--prompts", options.burst_prompts, "distinct prompts per burst");
  app.add_option("--cached-prompts", options.cached_prompts, "cached prompts per burst");
  app.add_option("--parallel", options.parallel, "connections submitting a burst");
  app.add_option("--only", only,
                 "workloads: latency,throughput,cached,scaling,heterogeneous");
  CLI11_PARSE(app, argc, argv);
  drover::actors::init_logging("info");

  const auto chosen = split_list(only);
  fragment out{"farm"};
  add_notes(options, out);
  if (chosen.count("latency") != 0) {
    measure_latency(options, out);
  }
  if (chosen.count("throughput") != 0) {
    measure_throughput(options, out);
  }
  if (chosen.count("cached") != 0) {
    measure_cached(options, out);
  }
  if (chosen.count("scaling") != 0) {
    measure_scaling(options, out);
  }
  if (chosen.count("heterogeneous") != 0) {
    measure_heterogeneous(options, out);
  }

  const char* comfyui_url = std::getenv("COMFYUI_URL");
  if (comfyui_url != nullptr && *comfyui_url != '\0') {
    measure_comfyui(options, comfyui_url, out);
  } else {
    out.note("COMFYUI_URL not set: no comfyui_ figures in this run");
  }

  auto written = out.write(out_dir);
  if (!written.has_value()) {
    drover::actors::logger("bench")->error("fragment not written error={}",
                                           drover::actors::describe(written.error()));
    return 1;
  }
  drover::actors::logger("bench")->info("fragment written path={}", written.value());
  return 0;
}
