#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/prompt.hpp"
#include "worker/node_registry.hpp"
#include "worker/node_value.hpp"

namespace drover::worker {

/// What a node produced, kept for later prompts: its outputs and its ui.
struct cached_output {
  std::vector<node_value> outputs;
  json ui;
};

/// ComfyUI's output cache (comfyui-protocol.md §6): node results keyed by
/// their recursive input signature, so that an unchanged node is not run
/// again in a later prompt. The signature of a node is its class, its
/// constants (by input name, sorted), the signatures of the nodes it links to
/// and the output index used; its node id joins only for classes that are not
/// idempotent or read their UNIQUE_ID. Default policy: after `plan`, only the
/// entries the current prompt can use are kept. Not thread-safe: one executor
/// owns it.
class output_cache {
 public:
  /// Computes the signature of every node of `graph` (iteratively, so that
  /// deep chains work) and drops every entry the prompt cannot use. Returns
  /// one key per node, in the graph's node order; a node inside a cycle or
  /// linking to a missing node gets a key that never matches (nullopt).
  std::vector<std::optional<std::uint64_t>> plan(const actors::prompt_graph& graph,
                                                 const node_registry& registry);

  /// The stored result for `key`, or nullptr.
  const cached_output* find(std::uint64_t key) const;

  void store(std::uint64_t key, cached_output value);

  std::size_t size() const { return values_.size(); }

 private:
  std::uint64_t intern(const std::string& signature);

  /// Signature text → its number; numbers are never reused, so a child's
  /// signature can name its ancestors by number.
  std::unordered_map<std::string, std::uint64_t> numbers_;
  std::unordered_map<std::uint64_t, cached_output> values_;
  std::uint64_t next_number_ = 1;
};

}  // namespace drover::worker
