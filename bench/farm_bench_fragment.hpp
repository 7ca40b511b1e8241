#pragma once

// The JSON fragment a benchmark part writes (bench/results/parts/<part>.json),
// the format every bench part shares and drover_bench_report merges: one entry
// per figure (median, min, max, raw samples, unit, workload), then notes.

#include <string>
#include <vector>

#include "actors/json.hpp"
#include "actors/result.hpp"

namespace drover::bench {

/// One figure: a sample per repetition, its unit, and the workload in words.
struct figure {
  std::vector<double> samples;
  std::string unit;
  std::string workload;
};

/// The median of `values` (the mean of the middle two for an even count);
/// 0 for none.
double median(std::vector<double> values);

/// The `fraction` quantile (0..1) of `values`, nearest rank; 0 for none.
double quantile(std::vector<double> values, double fraction);

/// The figures and notes of one part. Not thread-safe.
class fragment {
 public:
  explicit fragment(std::string part) : part_(std::move(part)) {}

  /// Adds figure `key`; a figure without samples is left out with a note,
  /// because a part never invents a number.
  void add(const std::string& key, const figure& value);

  /// Adds a line to `notes`.
  void note(std::string text) { notes_.push_back(std::move(text)); }

  /// The fragment as JSON.
  json to_json() const;

  /// Writes `<folder>/<part>.json`, creating the folder. Fails with
  /// errc::io_failure when the file cannot be written.
  actors::result<std::string> write(const std::string& folder) const;

 private:
  std::string part_;
  json figures_ = json::object();
  std::vector<std::string> notes_;
};

}  // namespace drover::bench
