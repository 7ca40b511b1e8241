#include "tests/farm/stream_log.hpp"

#include <chrono>
#include <set>

#include <doctest/doctest.h>

namespace drover::test {

namespace {

constexpr std::chrono::seconds frame_timeout{30};

}  // namespace

stream_log::stream_log(farm_fixture& fixture, const std::string& client_id)
    : ws_(fixture.connect_ws(client_id)) {}

void stream_log::read_one() {
  auto frame = next_frame(ws_, frame_timeout);
  REQUIRE_MESSAGE(frame.has_value(), "no WebSocket frame within 30 s");
  if (!frame->text) {
    return;
  }
  auto message = json::parse(frame->data);
  const auto& data = message["data"];
  if (data.is_object() && data.contains("prompt_id") && data["prompt_id"].is_string()) {
    by_prompt_[data["prompt_id"]].push_back(message);
  }
}

bool stream_log::ended(const std::string& prompt_id) const {
  auto it = by_prompt_.find(prompt_id);
  if (it == by_prompt_.end()) {
    return false;
  }
  for (const auto& m : it->second) {
    if (m["type"] == "executing" && m["data"]["node"].is_null()) {
      return true;
    }
  }
  return false;
}

bool stream_log::all_ended(const std::vector<std::string>& ids) const {
  for (const auto& id : ids) {
    if (!ended(id)) {
      return false;
    }
  }
  return true;
}

std::size_t stream_log::count(const std::string& prompt_id,
                              const std::string& type) const {
  std::size_t n = 0;
  auto it = by_prompt_.find(prompt_id);
  if (it != by_prompt_.end()) {
    for (const auto& m : it->second) {
      n += m["type"] == type ? 1 : 0;
    }
  }
  return n;
}

std::string submit(farm_fixture& fixture, const json& prompt, const std::string& client) {
  json request = {{"prompt", prompt}, {"client_id", client}};
  auto accepted = fixture.post_json("/prompt", request, 200);
  REQUIRE(accepted["prompt_id"].is_string());
  return accepted["prompt_id"];
}

void check_one_stream(stream_log& log, const std::string& prompt_id,
                      const std::string& terminal) {
  CHECK(log.count(prompt_id, "execution_start") == 1);
  CHECK(log.count(prompt_id, terminal) == 1);
  for (const char* other :
       {"execution_success", "execution_error", "execution_interrupted"}) {
    if (terminal != other) {
      CHECK(log.count(prompt_id, other) == 0);
    }
  }
  std::multiset<std::string> executed;
  for (const auto& m : log.messages(prompt_id)) {
    if (m["type"] == "executed") {
      executed.insert(m["data"]["node"].get<std::string>());
    }
  }
  for (const auto& n : executed) {
    CHECK_MESSAGE(executed.count(n) == 1, "node " << n << " executed twice");
  }
  REQUIRE_FALSE(log.messages(prompt_id).empty());
  const auto& last = log.messages(prompt_id).back();
  CHECK(last["type"] == "executing");
  CHECK(last["data"]["node"].is_null());
}

}  // namespace drover::test
