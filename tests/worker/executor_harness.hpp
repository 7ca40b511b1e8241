#pragma once
// An executor over the core node pack with its seams in memory: the fixture
// that executor-level tests build on.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "worker/core_nodes.hpp"
#include "worker/executor.hpp"
#include "worker_test_support.hpp"

namespace drover::worker::testing {

/// The core pack's registry (tests may add classes to it), an executor over
/// it, and the event and file sinks its attempts write to.
struct executor_harness {
  node_registry registry;
  recording_sink events;
  memory_files files;
  std::atomic<bool> interrupt{false};
  std::unique_ptr<executor> exec;
  int attempts = 0;

  executor_harness() {
    REQUIRE(register_core_nodes(registry));
    exec = std::make_unique<executor>(registry);
  }

  /// Runs `outputs` of `prompt` as a new attempt; `events` holds only its events.
  fragment_report run(const json& prompt, const std::vector<std::string>& outputs) {
    auto graph = actors::prompt_graph::parse(prompt);
    REQUIRE(graph);
    events.events.clear();
    attempt_environment env{{"p" + std::to_string(++attempts), 0, 0},
                            prompt,
                            nullptr,
                            files,
                            events,
                            interrupt};
    return exec->run(graph.value(), outputs, env);
  }
};

}  // namespace drover::worker::testing
