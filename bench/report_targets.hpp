#pragma once

// The targets of issue #6, keyed by figure, and how a figure is judged
// against one.

#include <optional>
#include <string>
#include <vector>

namespace drover::bench {

/// A figure's target: at most or at least `value`.
struct target {
  enum class direction { at_most, at_least };
  direction way = direction::at_least;
  double value = 0;
  std::string origin;  ///< where a derived target comes from; empty when the issue's
  /// Judged by the worst repetition, not the median: a loss in any
  /// repetition is a loss.
  bool every_repetition = false;

  bool met(double measured) const;
  /// "≤ 1.5" or "≥ 2000".
  std::string text() const;
};

/// The target of figure `key`; nullopt for a baseline or a variant without one.
std::optional<target> target_of(const std::string& key);

/// Every figure key the issue asks for (comfyui_ twins apart), in report order.
const std::vector<std::string>& expected_figures();

/// Whether a larger value of `key` is better (throughputs, efficiencies).
bool larger_is_better(const std::string& key);

}  // namespace drover::bench
