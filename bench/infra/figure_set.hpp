#pragma once

// The JSON fragment one benchmark part writes (bench-common contract): each
// figure is the median of its repetitions with min, max and the raw samples;
// notes say what could not be measured and why.

#include <string>
#include <vector>

#include "actors/json.hpp"
#include "actors/result.hpp"

namespace drover::bench {

/// The figures and notes of one part. Not thread-safe.
class figure_set {
 public:
  explicit figure_set(std::string part) : part_(std::move(part)) {}

  /// Records a figure from its samples (at least one); the median of an even
  /// count is the mean of the middle two.
  void add(const std::string& key, const std::vector<double>& samples,
           const std::string& unit, const std::string& workload);

  /// A free text line for the report: what was left out and why.
  void note(const std::string& line);

  /// `{"part", "figures", "notes"}`.
  json to_json() const;

  /// Writes the fragment to `path`, creating its folder.
  actors::result<void> write(const std::string& path) const;

 private:
  std::string part_;
  json figures_ = json::object();
  std::vector<std::string> notes_;
};

/// Median of `samples` (not empty).
double median(std::vector<double> samples);

}  // namespace drover::bench
