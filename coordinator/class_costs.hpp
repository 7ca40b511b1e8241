#pragma once

// What each node class costs the farm, learned from the durations workers
// report: the first input of the cost model of docs/fragments.md, and a
// table of `GET /drover/status`.

#include <cstdint>
#include <map>
#include <string>

#include "actors/json.hpp"

namespace drover::coordinator {

/// Per node class: how often it ran, its latest duration and an
/// exponentially weighted mean (weight 1/8 for each new run, the first run
/// taken as it is). In memory only: a restarted coordinator learns again.
class class_costs {
 public:
  /// One run of `class_type` that took `ms` milliseconds (negative and
  /// non-finite values are ignored).
  void record(const std::string& class_type, double ms);

  /// Reads a finished attempt: `node_ms` (node id → milliseconds, as in
  /// `fragment_done::node_ms_json`) against its prompt's nodes, which name
  /// each node's class. Unknown nodes and malformed entries are skipped.
  void record_attempt(const json& prompt, const json& node_ms);

  /// `[{"class_type", "runs", "mean_ms", "last_ms"}, ...]`, dearest first.
  json to_json() const;

  std::size_t size() const { return classes_.size(); }

 private:
  struct cost {
    std::uint64_t runs = 0;
    double mean_ms = 0;
    double last_ms = 0;
  };
  std::map<std::string, cost> classes_;
};

}  // namespace drover::coordinator
