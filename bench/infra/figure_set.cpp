#include "bench/infra/figure_set.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace drover::bench {

double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  auto n = samples.size();
  if (n % 2 == 1) {
    return samples[n / 2];
  }
  return (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

void figure_set::add(const std::string& key, const std::vector<double>& samples,
                     const std::string& unit, const std::string& workload) {
  auto [low, high] = std::minmax_element(samples.begin(), samples.end());
  figures_[key] = {{"median", median(samples)},
                   {"min", *low},
                   {"max", *high},
                   {"unit", unit},
                   {"reps", samples.size()},
                   {"samples", samples},
                   {"workload", workload}};
}

void figure_set::note(const std::string& line) {
  notes_.push_back(line);
}

json figure_set::to_json() const {
  return {{"part", part_}, {"figures", figures_}, {"notes", notes_}};
}

actors::result<void> figure_set::write(const std::string& path) const {
  std::error_code ec;
  auto folder = std::filesystem::path{path}.parent_path();
  if (!folder.empty()) {
    std::filesystem::create_directories(folder, ec);
  }
  std::ofstream out{path};
  out << to_json().dump(2) << '\n';
  if (!out) {
    return actors::fail(actors::errc::io_failure, "cannot write " + path);
  }
  return actors::ok();
}

}  // namespace drover::bench
