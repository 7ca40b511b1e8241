#include "bench/farm_bench_fragment.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace drover::bench {

double median(std::vector<double> values) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const auto middle = values.size() / 2;
  if (values.size() % 2 == 1) {
    return values[middle];
  }
  return (values[middle - 1] + values[middle]) / 2;
}

double quantile(std::vector<double> values, double fraction) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const auto rank =
      static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

void fragment::add(const std::string& key, const figure& value) {
  if (value.samples.empty()) {
    note(key + ": no repetition completed, figure left out");
    return;
  }
  const auto [low, high] =
      std::minmax_element(value.samples.begin(), value.samples.end());
  figures_[key] = {{"median", median(value.samples)},
                   {"min", *low},
                   {"max", *high},
                   {"unit", value.unit},
                   {"reps", value.samples.size()},
                   {"samples", value.samples},
                   {"workload", value.workload}};
}

json fragment::to_json() const {
  return {{"part", part_}, {"figures", figures_}, {"notes", notes_}};
}

actors::result<std::string> fragment::write(const std::string& folder) const {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) {
    return actors::fail(actors::errc::io_failure,
                        "cannot create " + folder + ": " + ec.message());
  }
  const auto path = folder + "/" + part_ + ".json";
  std::ofstream out{path, std::ios::trunc};
  out << to_json().dump(2) << '\n';
  out.close();
  if (!out) {
    return actors::fail(actors::errc::io_failure, "cannot write " + path);
  }
  return path;
}

}  // namespace drover::bench
