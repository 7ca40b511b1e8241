#pragma once

// coordinator_rss_mib_100k_queued (issue #6): the resident memory of a real
// `drover coordinator` process holding a long queue.

#include <cstddef>
#include <string>

#include "actors/result.hpp"

namespace drover::bench {

/// The coordinator's resident set before and after queueing.
struct rss_growth {
  double before_mib = 0;
  double after_mib = 0;
  double submit_seconds = 0;
};

/// Starts `binary coordinator` on loopback with a fresh data folder, joins one
/// worker from this process's own CAF node that never finishes what it is
/// given (so prompts are accepted and stay queued), submits `prompts` trivial
/// prompts through the actor protocol, and reads VmRSS before and after.
actors::result<rss_growth> coordinator_rss(const std::string& binary,
                                           std::size_t prompts);

}  // namespace drover::bench
