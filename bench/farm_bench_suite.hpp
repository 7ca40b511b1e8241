#pragma once

// The farm part's figures: each function starts the farms its workload needs
// (or talks to a server already running), repeats the workload and adds its
// figures to the fragment; a workload that fails adds a note instead.

#include <cstdint>
#include <string>

#include "bench/farm_bench_fragment.hpp"
#include "client/gateway_client.hpp"

namespace drover::bench {

/// What the whole part is asked to do.
struct suite_options {
  std::string binary;  ///< the drover executable
  int reps = 5;        ///< repetitions per figure
  std::size_t latency_prompts = 200;
  /// Prompts per throughput rep: the 2,000 x 5 reps x 3 farms took
  /// about 4 minutes on 2 shared cores, over this part's budget.
  std::size_t burst_prompts = 1000;
  std::size_t cached_prompts = 1000;
  unsigned parallel = 4;  ///< connections submitting a burst
};

/// submit_to_start_ms_p50/_p99 on an idle 2-worker farm.
void measure_latency(const suite_options& options, fragment& out);

/// prompts_per_s_1w, _2w, _4w.
void measure_throughput(const suite_options& options, fragment& out);

/// cached_prompts_per_s on one worker.
void measure_cached(const suite_options& options, fragment& out);

/// scaling_efficiency_1w … _16w.
void measure_scaling(const suite_options& options, fragment& out);

/// heterogeneous_makespan_ratio on workers 1×, 2× and 4× fast.
void measure_heterogeneous(const suite_options& options, fragment& out);

/// The latency, throughput and cached workloads against a server that is
/// already running (the real ComfyUI at `url`), as `comfyui_` figures.
void measure_comfyui(const suite_options& options, const std::string& url, fragment& out);

}  // namespace drover::bench
