// What each node class costs, learned from the durations workers report.

#include "coordinator/class_costs.hpp"

#include <cmath>
#include <limits>

#include <doctest/doctest.h>

namespace drover::coordinator {
namespace {

TEST_CASE("a class's mean follows its runs, weighting the newest by an eighth") {
  class_costs costs;
  costs.record("ImageBlur", 80);
  costs.record("ImageBlur", 160);
  auto table = costs.to_json();
  REQUIRE(table.size() == 1);
  CHECK(table[0]["class_type"] == "ImageBlur");
  CHECK(table[0]["runs"] == 2);
  CHECK(table[0]["mean_ms"].get<double>() == doctest::Approx(90.0));
  CHECK(table[0]["last_ms"].get<double>() == doctest::Approx(160.0));
}

TEST_CASE("an attempt's durations are read against its prompt, dearest class first") {
  class_costs costs;
  json prompt = {{"1", {{"class_type", "EmptyImage"}, {"inputs", json::object()}}},
                 {"2", {{"class_type", "KSampler"}, {"inputs", json::object()}}},
                 {"3", "not a node"}};
  json node_ms = {{"1", 0.5}, {"2", 4200.0}, {"3", 7.0}, {"9", 1.0}, {"1x", "slow"}};
  costs.record_attempt(prompt, node_ms);
  costs.record("Broken", std::numeric_limits<double>::quiet_NaN());
  costs.record("Broken", -3);
  costs.record_attempt(json::array(), node_ms);
  auto table = costs.to_json();
  REQUIRE(table.size() == 2);
  CHECK(table[0]["class_type"] == "KSampler");
  CHECK(table[1]["class_type"] == "EmptyImage");
  CHECK(table[1]["mean_ms"].get<double>() == doctest::Approx(0.5));
}

}  // namespace
}  // namespace drover::coordinator
