#pragma once

#include <chrono>

namespace drover::actors {

/// Blocks SIGINT and SIGTERM in the calling thread and in every thread it
/// starts afterwards, so that only `wait_for_termination_signal` sees them.
/// Call first thing in main, before any library starts a thread.
void block_termination_signals();

/// Waits until SIGINT or SIGTERM arrives and returns its number. Requires
/// `block_termination_signals` to have run in this thread.
int wait_for_termination_signal();

/// Like `wait_for_termination_signal`, but gives up after `timeout` and
/// returns 0 then, so that a caller can watch something else between waits.
int wait_for_termination_signal_for(std::chrono::milliseconds timeout);

}  // namespace drover::actors
