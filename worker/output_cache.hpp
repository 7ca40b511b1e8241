#pragma once

#include <cstdint>
#include <functional>
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

/// How long results are kept across prompts (comfyui-protocol.md §6.6).
enum class cache_policy {
  classic,  ///< keep only what the latest prompt can use (ComfyUI's default)
  lru,      ///< `--cache-lru N`: keep up to N results, least recently used go first
  none,     ///< `--cache-none`: reuse nothing from an earlier prompt
};

struct cache_options {
  cache_policy policy = cache_policy::classic;
  std::size_t lru_size = 0;  ///< for cache_policy::lru
};

/// ComfyUI's output cache (comfyui-protocol.md §6): node results keyed by
/// their recursive input signature, so that an unchanged node is not run
/// again in a later prompt. The signature of a node is its class, its
/// constants (by input name, sorted), the signatures of the nodes it links to
/// and the output index used; its node id joins only for classes that are not
/// idempotent or read their UNIQUE_ID. What `plan` evicts follows the
/// cache_policy. Not thread-safe: one executor
/// owns it.
class output_cache {
 public:
  explicit output_cache(cache_options options = {}) : options_(options) {}

  /// Computes the signature of every node of `graph` (iteratively, so that
  /// deep chains work) and drops every entry the prompt cannot use. Returns
  /// one key per node, in the graph's node order; a node inside a cycle or
  /// linking to a missing node gets a key that never matches (nullopt).
  std::vector<std::optional<std::uint64_t>> plan(const actors::prompt_graph& graph,
                                                 const node_registry& registry);

  /// A node's IS_CHANGED result as signature text; nullopt when it must run
  /// again whatever its inputs (NaN, or the fingerprint failed).
  using fingerprint_source =
      std::function<std::optional<std::string>(const actors::prompt_node& node)>;

  /// As above; `fingerprints` is asked once for every node of `graph` and its
  /// answer joins the node's signature (ComfyUI's IS_CHANGED, §6.7).
  std::vector<std::optional<std::uint64_t>> plan(const actors::prompt_graph& graph,
                                                 const node_registry& registry,
                                                 const fingerprint_source& fingerprints);

  /// The stored result for `key`, or nullptr.
  const cached_output* find(std::uint64_t key) const;

  void store(std::uint64_t key, cached_output value);

  std::size_t size() const { return values_.size(); }

  /// Forgets every stored result and signature; returns how many results.
  std::size_t clear();

 private:
  std::uint64_t intern(const std::string& signature);
  void evict(const std::vector<std::optional<std::uint64_t>>& keys);

  cache_options options_;
  std::uint64_t generation_ = 0;  ///< prompts planned so far
  /// Key → the last prompt (generation) that used or stored it; LRU only.
  std::unordered_map<std::uint64_t, std::uint64_t> used_in_;

  /// Signature text → its number; numbers are never reused, so a child's
  /// signature can name its ancestors by number.
  std::unordered_map<std::string, std::uint64_t> numbers_;
  std::unordered_map<std::uint64_t, cached_output> values_;
  std::uint64_t next_number_ = 1;
  std::uint64_t next_unique_ = 1;  ///< makes always-changed signatures unique
};

}  // namespace drover::worker
