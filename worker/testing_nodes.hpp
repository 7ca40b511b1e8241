#pragma once

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// Registers drover's testing node pack (docs/testing-nodes.md): the nodes of
/// ComfyUI's testing pack that drover's tests use (TestSleep, TestSyncProgressUpdate,
/// TestSyncError, the Stub* sources), DroverTestCrashWorker, which ends the
/// worker process, and DroverTestProgressFlood, which reports progress as fast
/// as it can. Only a worker started with `--enable-testing-nodes` calls
/// it. The nodes that wait hold their thread for their stated seconds divided
/// by `speed` (> 0; 2 simulates a device twice as fast). Fails when `speed` is
/// not a positive finite number or a class is already registered.
actors::result<void> register_testing_nodes(node_registry& registry, double speed = 1.0);

}  // namespace drover::worker
