#include <atomic>

#include <doctest/doctest.h>

#include "worker/executor.hpp"
#include "worker/node_call.hpp"
#include "worker_test_support.hpp"

namespace drover::worker {
namespace {

/// An executor with one counting class, `Count` (value → value), under a
/// cache policy.
struct policy_fixture {
  node_registry registry;
  testing::recording_sink events;
  testing::memory_files files;
  std::atomic<bool> interrupt{false};
  std::unique_ptr<executor> exec;
  int runs = 0;

  explicit policy_fixture(cache_options cache) {
    node_definition d;
    d.class_type = "Count";
    d.required("value", "INT").optional("from", "INT").output("INT");
    d.run = [this](node_call& call) -> node_outcome {
      ++runs;
      DROVER_TRY(value, call.integer("value"));
      return node_result{{json(value)}, nullptr};
    };
    REQUIRE(registry.add(std::move(d)));
    exec = std::make_unique<executor>(registry, cache);
  }

  /// Runs a two-node chain whose first node holds `value`; the runs it took.
  int run(int value) {
    json prompt = {{"1", {{"class_type", "Count"}, {"inputs", {{"value", value}}}}},
                   {"2",
                    {{"class_type", "Count"},
                     {"inputs", {{"value", 0}, {"from", json::array({"1", 0})}}}}}};
    auto graph = actors::prompt_graph::parse(prompt);
    REQUIRE(graph);
    attempt_environment env{{"p", 0, 0}, prompt, nullptr, files, events, interrupt};
    auto before = runs;
    auto report = exec->run(graph.value(), {"2"}, env);
    REQUIRE(report.outcome == actors::fragment_outcome::success);
    return runs - before;
  }
};

TEST_CASE("the classic cache keeps only what the latest prompt can use") {
  policy_fixture f{{}};
  CHECK(f.run(1) == 2);
  CHECK(f.run(1) == 0);
  CHECK(f.run(2) == 2);
  CHECK(f.run(1) == 2);  // prompt 2 evicted prompt 1's results
}

TEST_CASE("--cache-lru keeps results of earlier prompts up to its size") {
  policy_fixture f{{cache_policy::lru, 4}};
  CHECK(f.run(1) == 2);
  CHECK(f.run(2) == 2);
  CHECK(f.run(1) == 0);  // both prompts' two results fit in four
  CHECK(f.run(2) == 0);
  CHECK(f.run(3) == 2);  // five results: the least recently used goes
  CHECK(f.run(2) == 0);
  CHECK(f.run(1) == 2);
}

TEST_CASE("freeing the cache (ComfyUI's /free) makes every node run again") {
  policy_fixture f{{cache_policy::lru, 8}};
  CHECK(f.run(1) == 2);
  CHECK(f.run(2) == 2);
  CHECK(f.exec->free_cache() == 4);
  CHECK(f.exec->cache().size() == 0);
  CHECK(f.run(1) == 2);
  CHECK(f.run(1) == 0);  // and caching works again afterwards
}

TEST_CASE("--cache-lru never evicts the results of the prompt that runs") {
  policy_fixture f{{cache_policy::lru, 1}};
  CHECK(f.run(1) == 2);
  CHECK(f.run(1) == 0);  // two results over a size of one, both still used
  CHECK(f.run(2) == 2);
  CHECK(f.run(1) == 2);
}

TEST_CASE("--cache-none reuses nothing across prompts") {
  policy_fixture f{{cache_policy::none, 0}};
  CHECK(f.run(1) == 2);
  CHECK(f.run(1) == 2);
  CHECK(f.exec->cache().size() == 2);  // kept only for the prompt that ran
}

}  // namespace
}  // namespace drover::worker
