// Scenario: a person watches a batch on a terminal; a script reads it as
// JSON lines.

#include "client/progress_display.hpp"

#include <sstream>

#include <doctest/doctest.h>

namespace drover::client {
namespace {

using clock = progress_display::clock;
using std::chrono::milliseconds;

json message(const std::string& type, json data) {
  return {{"type", type}, {"data", std::move(data)}};
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST_CASE("off a terminal every event is one JSON line") {
  std::ostringstream out;
  progress_display display{out, false, {}};
  batch_follower follower{{"p1"}};
  auto t = clock::now();
  display.queued("p1", "color.json", t);
  display.events(
      follower, follower.feed(message("executing", {{"node", "3"}, {"prompt_id", "p1"}})),
      t);
  display.events(
      follower,
      follower.feed(message(
          "executed",
          {{"node", "3"},
           {"prompt_id", "p1"},
           {"output",
            {{"images",
              {{{"filename", "a.png"}, {"subfolder", ""}, {"type", "output"}}}}}}})),
      t);
  display.saved("p1", "out/p1_3_a.png", t);
  display.events(follower,
                 follower.feed(message("execution_success", {{"prompt_id", "p1"}})), t);
  display.finish(follower, t);

  std::istringstream lines{out.str()};
  std::vector<std::string> events;
  for (std::string line; std::getline(lines, line);) {
    auto parsed = json::parse(line);
    CHECK(parsed["prompt_id"] == "p1");
    events.push_back(parsed["event"]);
    if (parsed["event"] == "output") {
      CHECK(parsed["filename"] == "a.png");
      CHECK(parsed["node"] == "3");
    }
  }
  CHECK(events == std::vector<std::string>{"queued", "started", "node", "output", "saved",
                                           "succeeded"});
  CHECK(out.str().find('\x1b') == std::string::npos);
}

TEST_CASE("on a terminal the bar is redrawn at most ten times a second") {
  std::ostringstream out;
  json prompt = {{"7", {{"class_type", "ImageBlur"}, {"inputs", json::object()}}}};
  progress_display display{out, true, {{"p1", prompt}, {"p2", prompt}}};
  batch_follower follower{{"p1", "p2"}};
  auto t = clock::now();

  // 50 progress messages within 49 ms: one drawing.
  for (int i = 0; i < 50; ++i) {
    display.events(follower,
                   follower.feed(message(
                       "progress",
                       {{"node", "7"}, {"prompt_id", "p1"}, {"value", i}, {"max", 100}})),
                   t + milliseconds{i});
  }
  CHECK(count_of(out.str(), "] 0/2") == 1);

  // After 100 ms the next event draws again, in place.
  display.events(
      follower,
      follower.feed(message(
          "progress", {{"node", "7"}, {"prompt_id", "p1"}, {"value", 60}, {"max", 100}})),
      t + milliseconds{150});
  CHECK(count_of(out.str(), "] 0/2") == 2);
  CHECK(out.str().find("\x1b[1A") != std::string::npos);
  CHECK(out.str().find("node 7 ImageBlur 60%") != std::string::npos);
  CHECK(out.str().find("1 running, 1 queued") != std::string::npos);
}

TEST_CASE("on a terminal a failure stays printed above the bar") {
  std::ostringstream out;
  progress_display display{out, true, {}};
  batch_follower follower{{"p1", "p2"}};
  auto t = clock::now();
  display.events(follower,
                 follower.feed(message("execution_start", {{"prompt_id", "p2"}})), t);
  display.events(
      follower,
      follower.feed(message("execution_error", {{"prompt_id", "p1"},
                                                {"node_id", "2"},
                                                {"node_type", "TestSyncError"},
                                                {"exception_type", "ValueError"},
                                                {"exception_message", "boom"}})),
      t + milliseconds{200});
  display.events(follower,
                 follower.feed(message("execution_success", {{"prompt_id", "p2"}})),
                 t + milliseconds{400});
  display.finish(follower, t + milliseconds{400});
  const auto text = out.str();
  CHECK(text.find("failed p1: node 2 (TestSyncError) ValueError: boom") !=
        std::string::npos);
  CHECK(text.find("2/2  1 done, 1 failed, 0 running, 0 queued, took 0:00") !=
        std::string::npos);
}

}  // namespace
}  // namespace drover::client
