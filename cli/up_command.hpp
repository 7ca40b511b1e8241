#pragma once

#include "cli/local_farm.hpp"

namespace drover::cli {

/// `drover up`: starts a local farm, prints where it serves, and keeps it
/// running until SIGINT or SIGTERM, or until one of its processes ends
/// unexpectedly; then stops every process. Returns the exit code: 0 after a
/// requested stop, 1 when the farm could not start or a process died.
/// Requires `actors::block_termination_signals()` to have run.
int run_up(const local_farm_options& options);

}  // namespace drover::cli
