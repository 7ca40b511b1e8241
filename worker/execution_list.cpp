#include "worker/execution_list.hpp"

#include <algorithm>

namespace drover::worker {

execution_list::execution_list(const actors::prompt_graph& graph, predicate is_output,
                               predicate is_cached)
    : graph_(graph), is_output_(std::move(is_output)), is_cached_(std::move(is_cached)) {}

std::size_t execution_list::enter(const actors::prompt_node& node) {
  auto at = entries_.size();
  index_.emplace(node.id, at);
  entries_.push_back(entry{at, 0, {}, false, false});
  order_.push_back(&node);
  return at;
}

void execution_list::add(const std::string& node_id) {
  if (index_.count(node_id) != 0) {
    return;
  }
  const auto* root = graph_.find(node_id);
  if (root == nullptr) {
    return;
  }

  // Depth-first as ComfyUI's add_node (a stack, last link first), then the
  // links become blocking edges once every node exists.
  std::vector<const actors::prompt_node*> stack{root};
  std::vector<std::pair<std::size_t, std::string>> links;  // (to, from)
  std::vector<std::size_t> fresh;
  while (!stack.empty()) {
    const auto* node = stack.back();
    stack.pop_back();
    if (index_.count(node->id) != 0) {
      continue;
    }
    auto at = enter(*node);
    fresh.push_back(at);
    for (const auto& in : node->inputs) {
      if (!in.is_link()) {
        continue;
      }
      const auto* source = graph_.find(in.source->node_id);
      if (source == nullptr || is_cached_(source->id)) {
        continue;
      }
      stack.push_back(source);
      links.emplace_back(at, source->id);
    }
  }
  for (const auto& [to, from] : links) {
    auto from_at = index_.at(from);
    auto& blocking = entries_[from_at].blocking;
    if (entries_[from_at].done ||
        std::find(blocking.begin(), blocking.end(), to) != blocking.end()) {
      continue;
    }
    blocking.push_back(to);
    ++entries_[to].block_count;
  }
  for (auto at : fresh) {
    if (entries_[at].block_count == 0) {
      ready_.insert(at);
    } else {
      ++pending_;
    }
  }
}

bool execution_list::blocks_output(std::size_t at, int hops) const {
  for (auto next : entries_[at].blocking) {
    if (hops == 1 ? is_output_(order_[next]->id) : blocks_output(next, hops - 1)) {
      return true;
    }
  }
  return false;
}

const actors::prompt_node* execution_list::next() const {
  if (ready_.empty()) {
    return nullptr;
  }
  for (auto at : ready_) {
    if (is_output_(order_[at]->id)) {
      return order_[at];
    }
  }
  for (int hops = 1; hops <= 2; ++hops) {
    for (auto at : ready_) {
      if (blocks_output(at, hops)) {
        return order_[at];
      }
    }
  }
  return order_[*ready_.begin()];
}

void execution_list::start(const std::string& node_id) {
  auto it = index_.find(node_id);
  if (it == index_.end() || entries_[it->second].done || entries_[it->second].running) {
    return;
  }
  entries_[it->second].running = true;
  ready_.erase(it->second);
  ++running_;
}

void execution_list::complete(const std::string& node_id) {
  auto it = index_.find(node_id);
  if (it == index_.end() || entries_[it->second].done) {
    return;
  }
  auto& done = entries_[it->second];
  done.done = true;
  if (done.running) {
    done.running = false;
    --running_;
  }
  ready_.erase(done.order);
  for (auto waiting : done.blocking) {
    if (--entries_[waiting].block_count == 0) {
      ready_.insert(waiting);
      --pending_;
    }
  }
}

}  // namespace drover::worker
