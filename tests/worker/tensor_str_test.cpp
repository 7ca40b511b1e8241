// torch's str() of a tensor, against text recorded from torch 1.13 by
// tests/data/torch-1.13/record_tensor_str.py.

#include "worker/tensor_str.hpp"

#include <cmath>
#include <fstream>
#include <limits>

#include <doctest/doctest.h>

#include "actors/json.hpp"
#include "native_node_runner.hpp"

namespace drover::worker {
namespace {

using testing::tensor_of;

json recorded_cases() {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/torch-1.13/tensor_str.json"};
  REQUIRE(in.good());
  return json::parse(in)["cases"];
}

/// The case's values: listed (non-finite ones as Python spells them), or its
/// formula rounded once to float32, as the recording script computes them.
std::vector<float> values_of_case(const json& c, std::size_t count) {
  std::vector<float> out;
  if (c.contains("values")) {
    for (const auto& v : c["values"]) {
      if (v.is_string()) {
        const auto s = v.get<std::string>();
        out.push_back(s == "nan"    ? std::numeric_limits<float>::quiet_NaN()
                      : s == "-inf" ? -std::numeric_limits<float>::infinity()
                                    : std::numeric_limits<float>::infinity());
      } else {
        out.push_back(static_cast<float>(v.get<double>()));
      }
    }
    return out;
  }
  const auto formula = c["formula"].get<std::string>();
  for (std::size_t i = 0; i < count; ++i) {
    const double v = formula == "wave"   ? static_cast<double>(i % 97) * 0.37 - 5.0
                     : formula == "unit" ? static_cast<double>(i % 256) / 255.0
                                         : static_cast<double>(i);
    out.push_back(static_cast<float>(v));
  }
  return out;
}

TEST_CASE("tensor_str writes every recorded tensor exactly as torch's str()") {
  const auto cases = recorded_cases();
  REQUIRE(cases.size() >= 10);
  for (const auto& c : cases) {
    CAPTURE(c["name"].get<std::string>());
    auto shape = c["shape"].get<std::vector<std::int64_t>>();
    std::size_t count = 1;
    for (auto d : shape) {
      count *= static_cast<std::size_t>(d);
    }
    auto t = tensor_of(shape, values_of_case(c, count));
    CHECK(tensor_str(*t) == c["text"].get<std::string>());
  }
}

TEST_CASE("tensor_str picks fixed, whole or scientific notation as torch does") {
  // Worked by hand from torch's rules: whole values end in ".", fractions get
  // four decimals, a span over 1000x switches to scientific notation.
  CHECK(tensor_str(*tensor_of({2}, {1, 2})) == "tensor([1., 2.])");
  CHECK(tensor_str(*tensor_of({2}, {0.5f, 2})) == "tensor([0.5000, 2.0000])");
  CHECK(tensor_str(*tensor_of({2}, {1, 2000})) == "tensor([1.0000e+00, 2.0000e+03])");
}

}  // namespace
}  // namespace drover::worker
