// A TestSleep prompt through a real farm whose workers run with
// --enable-testing-nodes: the client sees ComfyUI's progress messages.

#include <chrono>

#include <doctest/doctest.h>

#include "tests/farm/farm_fixture.hpp"

namespace drover::test {
namespace {

constexpr std::chrono::seconds frame_timeout{30};

/// StubImage → TestSleep (0.3 s) → SaveImage.
json sleep_prompt() {
  return {
      {"1",
       {{"class_type", "StubImage"},
        {"inputs",
         {{"content", "WHITE"}, {"height", 8}, {"width", 8}, {"batch_size", 1}}}}},
      {"2",
       {{"class_type", "TestSleep"},
        {"inputs", {{"value", json::array({"1", 0})}, {"seconds", 0.3}}}}},
      {"3",
       {{"class_type", "SaveImage"},
        {"inputs", {{"images", json::array({"2", 0})}, {"filename_prefix", "sleep"}}}}}};
}

TEST_CASE("a TestSleep prompt on a farm with testing nodes sends progress messages") {
  farm_fixture fixture{1, true};
  auto ws = fixture.connect_ws("testing-client");
  REQUIRE(next_frame(ws, frame_timeout).has_value());  // the status greeting

  json request = {{"prompt", sleep_prompt()}, {"client_id", "testing-client"}};
  auto accepted = fixture.post_json("/prompt", request, 200);
  REQUIRE(accepted["prompt_id"].is_string());
  const std::string prompt_id = accepted["prompt_id"];

  std::vector<json> progress;
  bool success = false;
  while (!success) {
    auto frame = next_frame(ws, frame_timeout);
    REQUIRE_MESSAGE(frame.has_value(), "no WebSocket frame within 30 s");
    if (!frame->text) {
      continue;
    }
    auto message = json::parse(frame->data);
    REQUIRE(message["type"] != "execution_error");
    if (message["type"] == "progress") {
      progress.push_back(message["data"]);
    }
    success = message["type"] == "execution_success";
  }

  REQUIRE_FALSE(progress.empty());
  for (const auto& data : progress) {
    CHECK(data["node"] == "2");
    CHECK(data["prompt_id"] == prompt_id);
    CHECK(data["max"].get<double>() == doctest::Approx(0.3));
  }
  CHECK(progress.back()["value"].get<double>() == doctest::Approx(0.3));
}

TEST_CASE("a farm without testing nodes refuses a TestSleep prompt") {
  farm_fixture fixture{1};
  json request = {{"prompt", sleep_prompt()}, {"client_id", "x"}};
  auto refused = fixture.post_json("/prompt", request, 400);
  CHECK(refused["error"]["type"] == "invalid_prompt");
}

}  // namespace
}  // namespace drover::test
