#pragma once

// coordinator_placements_per_s (issue #6): the coordinator actor in this
// process, on a real prompt_store in a temporary SQLite file, with simulated
// workers that answer every run_fragment with a fragment_done at once.

#include <cstddef>
#include <vector>

#include "actors/result.hpp"

namespace drover::bench {

/// Placement rates measured in consecutive windows of one run.
struct placement_run {
  double submit_seconds = 0;       ///< queueing the prompts beforehand
  std::vector<double> per_second;  ///< one rate per window, in order
};

/// Queues `prompts` trivial prompts while no worker is joined (a remembered
/// catalog in the store lets them wait), then joins `workers` simulated
/// workers of one slot each. The first `window` placements (they include the
/// joins) are not counted; each of the next `windows` windows of `window`
/// placements gives one rate. Needs prompts >= (windows + 1) * window.
actors::result<placement_run> run_placement(std::size_t workers, std::size_t prompts,
                                            std::size_t window, std::size_t windows);

}  // namespace drover::bench
