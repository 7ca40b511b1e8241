#include "coordinator/free_workers.hpp"

#include <tuple>

#include "coordinator/worker_roster.hpp"

namespace drover::coordinator {

bool free_workers::place::operator<(const place& other) const {
  return std::tie(load, joined_ms, *id) <
         std::tie(other.load, other.joined_ms, *other.id);
}

free_workers::place free_workers::place_of(const std::string& id,
                                           const worker_record& w) {
  return {static_cast<double>(w.busy()) / w.slots(), w.joined_ms, &id};
}

void free_workers::add(const std::string& id, const worker_record& w) {
  if (!order_.emplace(place_of(id, w), &w).second) {
    return;  // already here: its signatures are counted
  }
  for (auto signature : w.cached) {
    ++held_[signature];
  }
}

void free_workers::remove(const std::string& id, const worker_record& w) {
  if (order_.erase(place_of(id, w)) == 0) {
    return;
  }
  for (auto signature : w.cached) {
    auto held = held_.find(signature);
    if (held != held_.end() && --held->second == 0) {
      held_.erase(held);
    }
  }
}

std::size_t free_workers::shared_bound(
    const std::vector<std::uint64_t>& signatures) const {
  std::size_t bound = 0;
  for (auto signature : signatures) {
    bound += held_.count(signature);
  }
  return bound;
}

void free_workers::each_until(
    const std::function<bool(const std::string&, const worker_record&)>& visit) const {
  for (const auto& [at, w] : order_) {
    if (!visit(*at.id, *w)) {
      return;
    }
  }
}

}  // namespace drover::coordinator
