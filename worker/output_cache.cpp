#include "worker/output_cache.hpp"

#include <algorithm>
#include <unordered_set>

namespace drover::worker {

namespace {

bool keyed_by_node_id(const node_definition* definition) {
  if (definition == nullptr) {
    return false;
  }
  if (definition->not_idempotent) {
    return true;
  }
  return std::any_of(definition->inputs.begin(), definition->inputs.end(), [](auto& in) {
    return in.category == input_category::hidden && in.type == "UNIQUE_ID";
  });
}

enum class visit { none, open, done };

}  // namespace

std::uint64_t output_cache::intern(const std::string& signature) {
  auto [it, inserted] = numbers_.emplace(signature, next_number_);
  if (inserted) {
    ++next_number_;
  }
  return it->second;
}

std::vector<std::optional<std::uint64_t>> output_cache::plan(
    const actors::prompt_graph& graph, const node_registry& registry) {
  return plan(graph, registry, {});
}

std::vector<std::optional<std::uint64_t>> output_cache::plan(
    const actors::prompt_graph& graph, const node_registry& registry,
    const fingerprint_source& fingerprints) {
  const auto& nodes = graph.nodes();
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    index.emplace(nodes[i].id, i);
  }

  std::vector<std::optional<std::uint64_t>> keys(nodes.size());
  std::vector<visit> state(nodes.size(), visit::none);
  std::vector<bool> valid(nodes.size(), true);

  // Post-order walk with an explicit stack: a node's key needs its sources'.
  for (std::size_t root = 0; root < nodes.size(); ++root) {
    if (state[root] != visit::none) {
      continue;
    }
    std::vector<std::size_t> stack{root};
    while (!stack.empty()) {
      auto at = stack.back();
      const auto& node = nodes[at];
      if (state[at] == visit::none) {
        state[at] = visit::open;
        for (const auto& in : node.inputs) {
          if (!in.is_link()) {
            continue;
          }
          auto source = index.find(in.source->node_id);
          if (source == index.end()) {
            valid[at] = false;
          } else if (state[source->second] == visit::none) {
            stack.push_back(source->second);
          } else if (state[source->second] == visit::open) {
            valid[at] = false;  // a cycle: never cached
          }
        }
        continue;
      }
      stack.pop_back();
      if (state[at] == visit::done) {
        continue;
      }
      state[at] = visit::done;

      const auto* definition = registry.find(node.class_type);
      std::string signature = node.class_type;
      signature += '\x1f';
      if (keyed_by_node_id(definition)) {
        signature += node.id;
      }
      if (fingerprints) {
        // NaN never equals itself in ComfyUI: a signature no other can match.
        auto changed = fingerprints(node);
        signature += '\x1d';
        signature += changed ? *changed : "always#" + std::to_string(next_unique_++);
      }
      std::vector<const actors::node_input*> inputs;
      for (const auto& in : node.inputs) {
        inputs.push_back(&in);
      }
      std::sort(inputs.begin(), inputs.end(),
                [](auto* a, auto* b) { return a->name < b->name; });
      for (const auto* in : inputs) {
        signature += '\x1e';
        signature += in->name;
        signature += '=';
        if (!in->is_link()) {
          signature += in->constant.dump();
          continue;
        }
        auto source = index.find(in->source->node_id);
        if (source == index.end() || !keys[source->second]) {
          valid[at] = false;
          continue;
        }
        signature += '@' + std::to_string(*keys[source->second]) + ':' +
                     std::to_string(in->source->output_index);
      }
      if (valid[at]) {
        keys[at] = intern(signature);
      }
    }
  }

  evict(keys);
  return keys;
}

void output_cache::evict(const std::vector<std::optional<std::uint64_t>>& keys) {
  ++generation_;
  std::unordered_set<std::uint64_t> used;
  for (const auto& key : keys) {
    if (key) {
      used.insert(*key);
      used_in_[*key] = generation_;
    }
  }
  if (options_.policy == cache_policy::none) {
    values_.clear();
    used_in_.clear();
  }

  // ComfyUI's LRU cache drops the oldest generations first, never the results
  // of the prompt about to run, until at most lru_size remain.
  if (options_.policy == cache_policy::lru) {
    while (values_.size() > options_.lru_size) {
      std::uint64_t oldest = generation_;
      for (const auto& entry : values_) {
        oldest = std::min(oldest, used_in_[entry.first]);
      }
      if (oldest == generation_) {
        break;
      }
      for (auto it = values_.begin(); it != values_.end();) {
        it = used_in_[it->first] == oldest ? values_.erase(it) : std::next(it);
      }
    }
  }

  // Classic keeps only what this prompt can use; every policy forgets the
  // signatures of results it no longer holds.
  for (auto it = numbers_.begin(); it != numbers_.end();) {
    bool keep = used.count(it->second) != 0 ||
                (options_.policy == cache_policy::lru && values_.count(it->second) != 0);
    if (!keep) {
      values_.erase(it->second);
      used_in_.erase(it->second);
      it = numbers_.erase(it);
    } else {
      ++it;
    }
  }
}

const cached_output* output_cache::find(std::uint64_t key) const {
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

void output_cache::store(std::uint64_t key, cached_output value) {
  values_[key] = std::move(value);
  used_in_[key] = generation_;
}

std::size_t output_cache::clear() {
  auto dropped = values_.size();
  values_.clear();
  used_in_.clear();
  numbers_.clear();  // numbers keep growing, so no old key can match again
  return dropped;
}

}  // namespace drover::worker
