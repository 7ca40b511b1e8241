#pragma once

// The workers of a roster that have a free slot, in the order placement
// breaks ties in (docs/actors.md §4: least loaded, then earliest joined, then
// id), with the cache signatures they hold counted, so that choosing a
// worker for a prompt looks at few of them however many are free.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace drover::coordinator {

struct worker_record;

class free_workers {
 public:
  /// Adds a worker that has a free slot. `id` and `w` must stay where they
  /// are while it is here (the roster's map keeps both).
  void add(const std::string& id, const worker_record& w);
  /// Removes the worker; call it before its load or its cache changes, so
  /// that it is found as it was added.
  void remove(const std::string& id, const worker_record& w);

  bool empty() const { return order_.empty(); }

  /// How many of `signatures` the cache of some free worker holds: no free
  /// worker shares more of them.
  std::size_t shared_bound(const std::vector<std::uint64_t>& signatures) const;

  /// Visits the free workers in tie-break order until `visit` returns false.
  void each_until(
      const std::function<bool(const std::string&, const worker_record&)>& visit) const;

 private:
  struct place {
    double load = 0;
    std::int64_t joined_ms = 0;
    const std::string* id = nullptr;
    bool operator<(const place& other) const;
  };
  static place place_of(const std::string& id, const worker_record& w);

  std::map<place, const worker_record*> order_;
  /// Signature -> how often the caches of free workers hold it.
  std::unordered_map<std::uint64_t, std::size_t> held_;
};

}  // namespace drover::coordinator
