#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/event.hpp"
#include "actors/json.hpp"
#include "actors/prompt.hpp"
#include "worker/attempt_environment.hpp"
#include "worker/node_registry.hpp"
#include "worker/output_cache.hpp"

namespace drover::actors {
struct fragment_done;
struct run_fragment;
}  // namespace drover::actors

namespace drover::worker {

/// What `fragment_done` reports about an attempt (actors/messages.hpp).
struct fragment_report {
  actors::fragment_outcome outcome = actors::fragment_outcome::success;
  json detail = json::object();  ///< execution_error / _interrupted fields
  std::vector<std::string> cached_nodes;
  std::int64_t started_ms = 0;
  std::int64_t cached_ms = 0;
  std::int64_t ended_ms = 0;
  json outputs = json::object();  ///< node id → ui, for history `outputs`
  json meta = json::object();     ///< node id → {node_id, display_node, ...}
  json node_ms = json::object();  ///< node id → milliseconds, for nodes that ran
  std::uint64_t last_seq = 0;     ///< number of the fragment_ended event
};

/// Runs fragments with ComfyUI's execution semantics (comfyui-protocol.md
/// §4.4, §4.6, §6): only the requested outputs and their ancestors run, in
/// ComfyUI's order (`execution_list`); results are cached across prompts by
/// input signature (`output_cache`); the interrupt flag is checked before each
/// node; the first failure ends the fragment. Async nodes
/// (`node_definition::is_async`) run on threads of their own while the
/// executor keeps running other ready nodes; their results are taken in launch
/// order, and the fragment ends only once every one of them returned. Every event goes to
/// the attempt's environment, from `fragment_started` to `fragment_ended`. One executor
/// serves one execution thread; `run` is not reentrant.
class executor {
 public:
  /// Borrows `registry`, which must outlive the executor; `cache` says how
  /// long results are kept across prompts.
  explicit executor(const node_registry& registry, cache_options cache = {})
      : registry_(registry), cache_(cache) {}

  /// Runs the nodes of `graph` that `outputs` need. Never throws.
  fragment_report run(const actors::prompt_graph& graph,
                      const std::vector<std::string>& outputs, attempt_environment& env);

  /// Ends an attempt that could not start (a prompt that does not parse):
  /// publishes fragment_started and a fragment_ended error with `message`.
  static fragment_report refuse(attempt_environment& env, const std::string& message);

  const output_cache& cache() const { return cache_; }
  /// Forgets every cached result (ComfyUI's /free); returns how many.
  std::size_t free_cache() { return cache_.clear(); }

 private:
  const node_registry& registry_;
  output_cache cache_;
};

/// The `fragment_done` that reports `report`, an attempt of `fragment`.
actors::fragment_done fragment_done_of(const actors::run_fragment& fragment,
                                       fragment_report report);

/// Milliseconds since the epoch, as events carry them.
std::int64_t now_ms();

}  // namespace drover::worker
