#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/prompt.hpp"

namespace drover::worker {

/// The nodes one fragment still has to run and the order ComfyUI's scheduler
/// would run them in (comfy_execution/graph.py, ExecutionList): a node is
/// ready once every node it links to ran; among the ready nodes, an output
/// node goes first, then a node feeding an output, then one two links away
/// from an output, else the first added. Nodes whose results are cached are
/// never added as ancestors, only when asked for as outputs. Iterative, so
/// chains of any depth work. Borrows the graph.
class execution_list {
 public:
  using predicate = std::function<bool(const std::string& node_id)>;

  execution_list(const actors::prompt_graph& graph, predicate is_output,
                 predicate is_cached);

  /// Adds `node_id` and, recursively, every uncached node it links to.
  /// Links to nodes missing from the graph are ignored here; running the
  /// node reports them.
  void add(const std::string& node_id);

  bool empty() const { return ready_.empty() && pending_ == 0 && running_ == 0; }

  /// The node to run next, or nullptr when nothing is ready (a cycle).
  const actors::prompt_node* next() const;

  /// Marks the ready node `node_id` as running (an async node in flight): it
  /// leaves the ready set but blocks its dependents until `complete`.
  void start(const std::string& node_id);

  /// True while a started node has not completed.
  bool running() const { return running_ != 0; }

  /// Marks `node_id` as run, unblocking the nodes that wait for it.
  void complete(const std::string& node_id);

  /// Every node added so far, in the order it was added.
  const std::vector<const actors::prompt_node*>& added() const { return order_; }

 private:
  struct entry {
    std::size_t order = 0;
    std::size_t block_count = 0;
    std::vector<std::size_t> blocking;  ///< entries waiting for this one
    bool done = false;
    bool running = false;
  };

  std::size_t enter(const actors::prompt_node& node);
  bool blocks_output(std::size_t at, int hops) const;

  const actors::prompt_graph& graph_;
  predicate is_output_;
  predicate is_cached_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<entry> entries_;
  std::vector<const actors::prompt_node*> order_;
  std::set<std::size_t> ready_;  ///< by order of addition
  std::size_t pending_ = 0;      ///< added, not ready, not done
  std::size_t running_ = 0;      ///< started, not done
};

}  // namespace drover::worker
