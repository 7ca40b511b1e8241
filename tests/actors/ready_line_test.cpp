#include "actors/ready_line.hpp"

#include <doctest/doctest.h>

namespace drover::actors {
namespace {

TEST_CASE("a ready line survives printing and parsing") {
  ready_line line{"worker", {{"events", "tcp://127.0.0.1:40123"}, {"name", "w1"}}};
  auto text = line.to_string();
  CHECK(text == "drover-ready role=worker events=tcp://127.0.0.1:40123 name=w1");
  auto parsed = ready_line::parse(text + "\n");
  REQUIRE(parsed.has_value());
  CHECK(parsed->role == "worker");
  CHECK(parsed->fields == line.fields);
}

TEST_CASE("other lines are not ready lines") {
  CHECK_FALSE(ready_line::parse("").has_value());
  CHECK_FALSE(ready_line::parse("drover farm ready").has_value());
  CHECK_FALSE(ready_line::parse("drover-ready listen=1").has_value());
  CHECK_FALSE(ready_line::parse("drover-ready role=x =broken").has_value());
}

}  // namespace
}  // namespace drover::actors
