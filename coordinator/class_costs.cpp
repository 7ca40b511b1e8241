#include "coordinator/class_costs.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace drover::coordinator {

namespace {

constexpr double new_run_weight = 1.0 / 8;

}  // namespace

void class_costs::record(const std::string& class_type, double ms) {
  if (!std::isfinite(ms) || ms < 0) {
    return;
  }
  auto& c = classes_[class_type];
  c.mean_ms = c.runs == 0 ? ms : c.mean_ms + new_run_weight * (ms - c.mean_ms);
  c.last_ms = ms;
  ++c.runs;
}

void class_costs::record_attempt(const json& prompt, const json& node_ms) {
  if (!prompt.is_object() || !node_ms.is_object()) {
    return;
  }
  for (const auto& [node_id, ms] : node_ms.items()) {
    auto node = prompt.find(node_id);
    if (!ms.is_number() || node == prompt.end() || !node->is_object()) {
      continue;
    }
    auto type = node->find("class_type");
    if (type != node->end() && type->is_string()) {
      record(type->get<std::string>(), ms.get<double>());
    }
  }
}

json class_costs::to_json() const {
  std::vector<std::pair<std::string, cost>> sorted(classes_.begin(), classes_.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second.mean_ms > b.second.mean_ms;
  });
  json out = json::array();
  for (const auto& [name, c] : sorted) {
    out.push_back({{"class_type", name},
                   {"runs", c.runs},
                   {"mean_ms", std::round(c.mean_ms * 10) / 10},
                   {"last_ms", std::round(c.last_ms * 10) / 10}});
  }
  return out;
}

}  // namespace drover::coordinator
