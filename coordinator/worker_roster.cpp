#include "coordinator/worker_roster.hpp"

#include <algorithm>

#include "coordinator/prompt_signature.hpp"

namespace drover::coordinator {

namespace {

std::size_t shared_count(const std::vector<std::uint64_t>& a,
                         const std::vector<std::uint64_t>& b) {
  std::size_t n = 0;
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (*i < *j) {
      ++i;
    } else if (*j < *i) {
      ++j;
    } else {
      ++n, ++i, ++j;
    }
  }
  return n;
}

}  // namespace

prompt_needs needs_of(const json& prompt) {
  prompt_needs needs;
  if (prompt.is_object()) {
    for (const auto& [id, node] : prompt.items()) {
      auto type = node.is_object() ? node.find("class_type") : node.end();
      if (node.is_object() && type != node.end() && type->is_string()) {
        needs.classes.insert(type->get<std::string>());
      }
    }
  }
  needs.signatures = prompt_signatures(prompt);
  return needs;
}

bool worker_record::has_all(const std::set<std::string>& wanted) const {
  return std::all_of(wanted.begin(), wanted.end(),
                     [&](const std::string& c) { return classes.count(c) != 0; });
}

worker_record& worker_roster::join(const actors::worker_hello& hello,
                                   std::int64_t now_ms) {
  worker_record record;
  record.hello = hello;
  record.joined_ms = now_ms;
  auto catalog = json::parse(hello.catalog_json, nullptr, false);
  if (catalog.is_object()) {
    for (const auto& [name, info] : catalog.items()) {
      record.classes.insert(name);
    }
  }
  leave(hello.worker_id);
  auto& slot = workers_[hello.worker_id];
  slot = std::move(record);
  free_slots_ += slot.free_slots();
  return slot;
}

void worker_roster::leave(const std::string& worker_id) {
  if (auto it = workers_.find(worker_id); it != workers_.end()) {
    free_slots_ -= it->second.free_slots();
    workers_.erase(it);
  }
}

worker_record* worker_roster::find(const std::string& worker_id) {
  auto it = workers_.find(worker_id);
  return it == workers_.end() ? nullptr : &it->second;
}

std::optional<std::string> worker_roster::choose(
    const prompt_needs& needs, const std::vector<std::string>& excluded) const {
  const std::string* best = nullptr;
  std::size_t best_match = 0;
  double best_load = 0;
  std::int64_t best_joined = 0;
  for (const auto& [id, w] : workers_) {
    if (w.busy >= w.slots() || !w.has_all(needs.classes) ||
        std::find(excluded.begin(), excluded.end(), id) != excluded.end()) {
      continue;
    }
    auto match = shared_count(needs.signatures, w.cached);
    double load = static_cast<double>(w.busy) / w.slots();
    bool better =
        best == nullptr || match > best_match ||
        (match == best_match &&
         (load < best_load || (load == best_load && w.joined_ms < best_joined)));
    if (better) {
      best = &id;
      best_match = match;
      best_load = load;
      best_joined = w.joined_ms;
    }
  }
  if (best == nullptr) {
    return std::nullopt;
  }
  return *best;
}

void worker_roster::start(const std::string& worker_id, const std::string& prompt_id) {
  if (auto* w = find(worker_id)) {
    free_slots_ -= w->free_slots();
    ++w->busy;
    w->running.insert(prompt_id);
    free_slots_ += w->free_slots();
  }
}

void worker_roster::finish(const std::string& worker_id, const std::string& prompt_id,
                           const std::vector<std::uint64_t>& signatures) {
  auto* w = find(worker_id);
  if (w == nullptr || w->running.erase(prompt_id) == 0) {
    return;
  }
  free_slots_ -= w->free_slots();
  if (w->busy > 0) {
    --w->busy;
  }
  free_slots_ += w->free_slots();
  ++w->completed;
  w->cached = signatures;
}

}  // namespace drover::coordinator
