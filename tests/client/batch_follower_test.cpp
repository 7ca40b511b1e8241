// Scenario: `drover submit` follows its batch through what a real ComfyUI
// server sent (the recorded sessions), including after a reconnect.

#include "client/batch_follower.hpp"

#include <fstream>

#include <doctest/doctest.h>

namespace drover::client {
namespace {

struct session {
  std::vector<std::string> prompt_ids;  ///< accepted by POST /prompt, in order
  std::vector<json> messages;           ///< client A's JSON WebSocket messages
  std::vector<json> http;               ///< every HTTP exchange
};

session load_session(const std::string& name) {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/comfyui-v0.8.0/" + name};
  REQUIRE_MESSAGE(in.good(), "cannot open " << name);
  session out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) {
      continue;
    }
    auto entry = json::parse(line);
    if (entry["src"] == "http") {
      out.http.push_back(entry);
      if (entry["path"] == "/prompt" && entry["method"] == "POST" &&
          entry["status"] == 200) {
        out.prompt_ids.push_back(entry["resp"]["prompt_id"].get<std::string>());
      }
    } else if (entry["src"] == "ws" && entry.value("client", "") == "A" &&
               entry.value("kind", "") == "text") {
      out.messages.push_back(entry["msg"]);
    }
  }
  return out;
}

std::size_t feed_all(batch_follower& follower, const std::vector<json>& messages) {
  std::size_t events = 0;
  for (const auto& message : messages) {
    events += follower.feed(message).size();
  }
  return events;
}

json http_answer(const session& s, const std::string& path) {
  for (const auto& exchange : s.http) {
    if (exchange["path"] == path) {
      return exchange["resp"];
    }
  }
  FAIL("no recorded answer to " << path);
  return {};
}

TEST_CASE("a normal run ends done with both of its output files") {
  auto s = load_session("a_normal_run.jsonl");
  REQUIRE(s.prompt_ids.size() == 1);
  batch_follower follower{s.prompt_ids};
  feed_all(follower, s.messages);

  const auto* p = follower.status(s.prompt_ids[0]);
  REQUIRE(p != nullptr);
  CHECK(p->state == prompt_state::done);
  REQUIRE(p->outputs.size() == 2);
  CHECK(p->outputs[0].node == "5");
  CHECK(p->outputs[0].type == "temp");
  CHECK(p->outputs[1].node == "4");
  CHECK(p->outputs[1].filename == "ref_a_00001_.png");
  CHECK(p->outputs[1].type == "output");
  CHECK(follower.finished());
  CHECK(follower.count(prompt_state::done) == 1);
}

TEST_CASE("messages seen again after a reconnect count nothing twice") {
  auto s = load_session("a_normal_run.jsonl");
  batch_follower follower{s.prompt_ids};
  CHECK(feed_all(follower, s.messages) > 0);
  CHECK(feed_all(follower, s.messages) == 0);
  CHECK(follower.status(s.prompt_ids[0])->outputs.size() == 2);
  CHECK(follower.count(prompt_state::done) == 1);
}

TEST_CASE("a run-time failure names the node, its type and the exception") {
  auto s = load_session("c_errors.jsonl");
  batch_follower follower{{s.prompt_ids[0]}};
  feed_all(follower, s.messages);
  const auto* p = follower.status(s.prompt_ids[0]);
  CHECK(p->state == prompt_state::failed);
  REQUIRE(p->failure.has_value());
  CHECK(p->failure->node_id == "1");
  CHECK(p->failure->node_type == "RegexReplace");
  CHECK(p->failure->exception_type == "re.error");
  CHECK(p->failure->exception_message.find("unterminated subpattern") !=
        std::string::npos);
}

TEST_CASE("an interrupted prompt counts as failed at the node it stopped in") {
  auto s = load_session("d_interrupt.jsonl");
  batch_follower follower{{s.prompt_ids[0]}};
  feed_all(follower, s.messages);
  const auto* p = follower.status(s.prompt_ids[0]);
  CHECK(p->state == prompt_state::failed);
  REQUIRE(p->failure.has_value());
  CHECK(p->failure->exception_type == "interrupted");
  CHECK(p->failure->node_id == "12");
  CHECK(p->failure->node_type == "ImageBlur");
}

TEST_CASE("messages of prompts outside the batch change nothing") {
  auto s = load_session("d_interrupt.jsonl");
  REQUIRE(s.prompt_ids.size() >= 2);
  batch_follower follower{{s.prompt_ids[1]}};
  std::size_t events = 0;
  for (const auto& message : s.messages) {
    const auto& data = message.value("data", json::object());
    if (data.value("prompt_id", "") == s.prompt_ids[0]) {
      events += follower.feed(message).size();
    }
  }
  CHECK(events == 0);
  CHECK(follower.status(s.prompt_ids[1])->state == prompt_state::queued);
  CHECK(follower.status(s.prompt_ids[0]) == nullptr);
}

TEST_CASE("progress messages give the running node and its value") {
  batch_follower follower{{"p1"}};
  auto events = follower.feed(json::parse(
      R"({"type":"progress","data":{"value":3,"max":10,"prompt_id":"p1","node":"7"}})"));
  REQUIRE(events.size() == 2);
  CHECK(events[0].what == follow_event::kind::started);
  CHECK(events[1].what == follow_event::kind::progress);
  const auto* p = follower.status("p1");
  CHECK(p->state == prompt_state::running);
  CHECK(p->current_node == "7");
  CHECK(p->progress_value == 3);
  CHECK(p->progress_max == 10);
}

TEST_CASE(
    "history after a lost connection finishes the prompt without repeating outputs") {
  auto s = load_session("a_normal_run.jsonl");
  const std::string id = s.prompt_ids[0];
  batch_follower follower{s.prompt_ids};

  // The socket dropped after the first output.
  std::size_t cut = 0;
  while (cut < s.messages.size() && s.messages[cut]["type"] != "executed") {
    follower.feed(s.messages[cut++]);
  }
  follower.feed(s.messages[cut++]);
  REQUIRE(follower.status(id)->outputs.size() == 1);

  auto events = follower.feed_history(id, http_answer(s, "/history/" + id));
  CHECK(follower.status(id)->state == prompt_state::done);
  CHECK(follower.status(id)->outputs.size() == 2);
  std::size_t new_outputs = 0;
  for (const auto& e : events) {
    new_outputs += e.what == follow_event::kind::output ? 1 : 0;
  }
  CHECK(new_outputs == 1);

  // The reconnected socket may still deliver the rest: nothing new.
  std::vector<json> rest(s.messages.begin() + static_cast<long>(cut), s.messages.end());
  CHECK(feed_all(follower, rest) == 0);
  CHECK(follower.count(prompt_state::done) == 1);
}

TEST_CASE("an empty history answer leaves an unfinished prompt as it was") {
  batch_follower follower{{"p1"}};
  CHECK(follower.feed_history("p1", json::object()).empty());
  CHECK(follower.status("p1")->state == prompt_state::queued);
}

TEST_CASE("the queue marks a prompt of the batch that runs as running") {
  auto s = load_session("d_interrupt.jsonl");
  batch_follower follower{{s.prompt_ids[0]}};
  auto events = follower.feed_queue(http_answer(s, "/queue"));
  REQUIRE(events.size() == 1);
  CHECK(follower.status(s.prompt_ids[0])->state == prompt_state::running);
}

TEST_CASE("text that is not JSON or not a message is ignored") {
  batch_follower follower{{"p1"}};
  CHECK(follower.feed_text("\x01\x02 not json").empty());
  CHECK(follower.feed_text("[1,2,3]").empty());
  CHECK(follower.feed_text(R"({"type":5,"data":{"prompt_id":"p1"}})").empty());
  CHECK(follower.feed_text(R"({"type":"executed","data":{"prompt_id":"p1","output":7}})")
            .size() == 1);  // started, with no file
  CHECK(follower.status("p1")->outputs.empty());
}

TEST_CASE("the farm's status names the worker of each running prompt of the batch") {
  batch_follower follower{{"p1", "p2"}};
  follower.feed(json::parse(R"({"type": "execution_start",
                                "data": {"prompt_id": "p1", "timestamp": 1}})"));
  follower.feed_farm_status(json::parse(R"({"workers": [
      {"name": "gpu-7", "running": [{"prompt_id": "p1"}, {"prompt_id": "other"}]},
      {"name": "gpu-8", "running": [{"prompt_id": "p2"}]},
      {"name": 5, "running": [{"prompt_id": "p1"}]},
      {"running": "nonsense"}]})"));
  CHECK(follower.status("p1")->worker == "gpu-7");
  CHECK(follower.status("p2")->worker.empty());  // still queued here
  follower.feed_farm_status(json::parse("[]"));
  CHECK(follower.status("p1")->worker == "gpu-7");
}

}  // namespace
}  // namespace drover::client
