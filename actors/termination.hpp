#pragma once

namespace drover::actors {

/// Blocks SIGINT and SIGTERM in the calling thread and in every thread it
/// starts afterwards, so that only `wait_for_termination_signal` sees them.
/// Call first thing in main, before any library starts a thread.
void block_termination_signals();

/// Waits until SIGINT or SIGTERM arrives and returns its number. Requires
/// `block_termination_signals` to have run in this thread.
int wait_for_termination_signal();

}  // namespace drover::actors
