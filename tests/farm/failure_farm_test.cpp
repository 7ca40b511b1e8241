// A farm that loses processes: workers killed or hung mid-prompt, a prompt
// that kills every worker it touches, a coordinator killed with SIGKILL and
// started again. Every process is real; the failures are real signals.

#include <chrono>
#include <map>
#include <set>
#include <signal.h>

#include <doctest/doctest.h>

#include "actors/clock.hpp"
#include "tests/farm/farm_fixture.hpp"

namespace drover::test {
namespace {

constexpr std::chrono::seconds frame_timeout{30};

json node(const char* type, json inputs) {
  return {{"class_type", type}, {"inputs", std::move(inputs)}};
}

/// StubImage → TestSyncProgressUpdate (`seconds`, simulated) → PreviewImage.
/// `tag` changes the image, so that no two tags share cached results.
json slow_prompt(double seconds, int tag) {
  return {{"1", node("StubImage", {{"content", "WHITE"},
                                   {"height", 8 + tag},
                                   {"width", 8},
                                   {"batch_size", 1}})},
          {"2", node("TestSyncProgressUpdate",
                     {{"value", json::array({"1", 0})}, {"sleep_seconds", seconds}})},
          {"3", node("PreviewImage", {{"images", json::array({"2", 0})}})}};
}

/// A prompt whose output node SIGKILLs the worker that runs it.
json poison_prompt() {
  return {
      {"1", node("StubImage",
                 {{"content", "BLACK"}, {"height", 8}, {"width", 8}, {"batch_size", 1}})},
      {"2", node("DroverTestCrashWorker", {{"value", json::array({"1", 0})}})}};
}

/// The messages each prompt's client received, in order, by prompt id.
class stream_log {
 public:
  stream_log(farm_fixture& fixture, const std::string& client_id)
      : ws_(fixture.connect_ws(client_id)) {}

  /// Reads frames until `done` holds; fails the test when the farm goes
  /// quiet for 30 s first.
  template <class Predicate>
  void read_until(Predicate done) {
    while (!done(*this)) {
      auto frame = next_frame(ws_, frame_timeout);
      REQUIRE_MESSAGE(frame.has_value(), "no WebSocket frame within 30 s");
      if (!frame->text) {
        continue;
      }
      auto message = json::parse(frame->data);
      const auto& data = message["data"];
      if (data.is_object() && data.contains("prompt_id") &&
          data["prompt_id"].is_string()) {
        by_prompt_[data["prompt_id"]].push_back(message);
      }
    }
  }

  /// True once `executing` with node null arrived for `prompt_id`.
  bool ended(const std::string& prompt_id) const {
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

  bool all_ended(const std::vector<std::string>& ids) const {
    for (const auto& id : ids) {
      if (!ended(id)) {
        return false;
      }
    }
    return true;
  }

  /// How many messages of `type` the prompt's client got.
  std::size_t count(const std::string& prompt_id, const std::string& type) const {
    std::size_t n = 0;
    auto it = by_prompt_.find(prompt_id);
    if (it != by_prompt_.end()) {
      for (const auto& m : it->second) {
        n += m["type"] == type ? 1 : 0;
      }
    }
    return n;
  }

  const std::vector<json>& messages(const std::string& prompt_id) {
    return by_prompt_[prompt_id];
  }

 private:
  ws_client ws_;
  std::map<std::string, std::vector<json>> by_prompt_;
};

std::string submit(farm_fixture& fixture, const json& prompt, const std::string& client) {
  json request = {{"prompt", prompt}, {"client_id", client}};
  auto accepted = fixture.post_json("/prompt", request, 200);
  REQUIRE(accepted["prompt_id"].is_string());
  return accepted["prompt_id"];
}

json farm_status(farm_fixture& fixture) {
  auto response = fixture.get("/drover/status");
  REQUIRE(response.status == 200);
  return json::parse(response.body);
}

/// The local farm's index of the worker named `name` ("worker-3" is 2).
std::size_t worker_index(const std::string& name) {
  return static_cast<std::size_t>(std::stoi(name.substr(name.rfind('-') + 1)) - 1);
}

/// The name of the worker running `prompt_id` now; fails when none does.
std::string runner_of(farm_fixture& fixture, const std::string& prompt_id) {
  auto status = farm_status(fixture);
  for (const auto& w : status["workers"]) {
    for (const auto& p : w["running"]) {
      if (p["prompt_id"] == prompt_id) {
        return w["name"];
      }
    }
  }
  FAIL("no worker runs " << prompt_id);
  return {};
}

/// Checks that the prompt's client saw one valid ComfyUI sequence ending in
/// `terminal`: one execution_start, one terminal, no node executed twice.
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
  const auto& last = log.messages(prompt_id).back();
  CHECK(last["type"] == "executing");
  CHECK(last["data"]["node"].is_null());
}

bool has_progress(stream_log& log, const std::string& prompt_id) {
  return log.count(prompt_id, "progress") > 0;
}

TEST_CASE("a worker killed mid-prompt: the prompt completes on another, one stream") {
  farm_fixture fixture{2, true};
  stream_log log{fixture, "c1"};
  auto id = submit(fixture, slow_prompt(1.5, 0), "c1");
  log.read_until([&](stream_log& l) { return has_progress(l, id); });

  auto victim = runner_of(fixture, id);
  fixture.farm().worker(worker_index(victim)).send_signal(SIGKILL);
  log.read_until([&](stream_log& l) { return l.ended(id); });

  check_one_stream(log, id, "execution_success");
  CHECK(log.count(id, "executed") == 1);
  auto history = json::parse(fixture.get("/history/" + id).body);
  CHECK(history[id]["status"]["status_str"] == "success");
  auto failures = farm_status(fixture)["recent_failures"];
  REQUIRE_FALSE(failures.empty());
  CHECK(failures[0]["worker_name"] == victim);
}

TEST_CASE("a hung worker is dropped within seconds and its prompt runs elsewhere") {
  farm_fixture fixture{2, true};
  stream_log log{fixture, "c1"};
  auto id = submit(fixture, slow_prompt(1.5, 1), "c1");
  log.read_until([&](stream_log& l) { return has_progress(l, id); });

  auto victim = runner_of(fixture, id);
  auto& hung = fixture.farm().worker(worker_index(victim));
  auto stopped_ms = actors::epoch_ms();
  hung.send_signal(SIGSTOP);
  log.read_until([&](stream_log& l) { return l.ended(id); });
  auto status = farm_status(fixture);
  hung.send_signal(SIGCONT);

  check_one_stream(log, id, "execution_success");
  REQUIRE_FALSE(status["recent_failures"].empty());
  const auto& noticed = status["recent_failures"][0];
  CHECK(noticed["worker_name"] == victim);
  MESSAGE("hung worker dropped after "
          << noticed["time_ms"].get<std::int64_t>() - stopped_ms << " ms");
  for (const auto& w : status["workers"]) {
    CHECK(w["name"] != victim);  // it has not come back while stopped
  }
}

TEST_CASE("a prompt that kills every worker fails after its budget; the rest completes") {
  cli::local_farm_options options;
  options.workers = 3;
  options.enable_testing_nodes = true;
  options.coordinator_args = {"--retry-budget", "2"};
  farm_fixture fixture{options};
  stream_log log{fixture, "c1"};

  auto poison = submit(fixture, poison_prompt(), "c1");
  std::vector<std::string> rest;
  for (int i = 0; i < 4; ++i) {
    rest.push_back(submit(fixture, slow_prompt(0.2, 10 + i), "c1"));
  }
  auto everything = rest;
  everything.push_back(poison);
  log.read_until([&](stream_log& l) { return l.all_ended(everything); });

  check_one_stream(log, poison, "execution_error");
  json error;
  for (const auto& m : log.messages(poison)) {
    if (m["type"] == "execution_error") {
      error = m["data"];
    }
  }
  CHECK(error["exception_type"] == "drover.WorkerLost");
  CHECK(error["exception_message"].get<std::string>().find("lost with 2 workers") !=
        std::string::npos);
  for (const auto& id : rest) {
    check_one_stream(log, id, "execution_success");
  }
  auto history = json::parse(fixture.get("/history/" + poison).body);
  CHECK(history[poison]["status"]["status_str"] == "error");
  CHECK(farm_status(fixture)["workers"].size() == 1);
}

TEST_CASE("the coordinator killed mid-run and restarted: every prompt completes") {
  farm_fixture fixture{2, true};
  stream_log log{fixture, "c1"};
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    ids.push_back(submit(fixture, slow_prompt(0.4, 20 + i), "c1"));
  }
  log.read_until([&](stream_log& l) { return l.ended(ids[0]); });

  fixture.farm().coordinator().send_signal(SIGKILL);
  auto restarted = fixture.farm().restart_coordinator();
  REQUIRE_MESSAGE(restarted.has_value(), actors::describe(restarted.error()));
  log.read_until([&](stream_log& l) { return l.all_ended(ids); });

  for (const auto& id : ids) {
    check_one_stream(log, id, "execution_success");
  }
  auto history = json::parse(fixture.get("/history").body);
  CHECK(history.size() == ids.size());
  for (const auto& id : ids) {
    CHECK(history[id]["status"]["status_str"] == "success");
  }

  // A client that retries a submission with its prompt_id queues nothing new.
  json retry = {
      {"prompt", slow_prompt(0.4, 20)}, {"client_id", "c1"}, {"prompt_id", ids[0]}};
  auto again = fixture.post_json("/prompt", retry, 200);
  CHECK(again["prompt_id"] == ids[0]);
  auto queue = json::parse(fixture.get("/queue").body);
  CHECK(queue["queue_pending"].empty());
  CHECK(queue["queue_running"].empty());
}

TEST_CASE("prompts run only on workers that have their classes") {
  cli::local_farm_options options;
  options.workers = 2;
  options.worker_args = {{}, {"--enable-testing-nodes"}};
  farm_fixture fixture{options};
  stream_log log{fixture, "c1"};
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(submit(fixture, slow_prompt(0.05, 30 + i), "c1"));
  }
  log.read_until([&](stream_log& l) { return l.all_ended(ids); });

  auto status = farm_status(fixture);
  std::string testing_worker;
  for (const auto& w : status["workers"]) {
    if (w["name"] == "worker-2") {
      testing_worker = w["worker_id"];
    }
  }
  REQUIRE_FALSE(testing_worker.empty());
  for (const auto& id : ids) {
    check_one_stream(log, id, "execution_success");
  }
  for (const auto& done : status["recent_finished"]) {
    CHECK(done["worker_id"] == testing_worker);
  }
  CHECK(status["recent_finished"].size() == ids.size());
}

TEST_CASE("a faster worker completes more of a batch") {
  cli::local_farm_options options;
  options.workers = 2;
  options.enable_testing_nodes = true;
  options.worker_args = {{"--testing-speed", "4"}, {}};
  farm_fixture fixture{options};
  stream_log log{fixture, "c1"};
  std::vector<std::string> ids;
  for (int i = 0; i < 16; ++i) {
    ids.push_back(submit(fixture, slow_prompt(0.4, 40 + i), "c1"));
  }
  log.read_until([&](stream_log& l) { return l.all_ended(ids); });

  auto status = farm_status(fixture);
  std::map<std::string, std::uint64_t> completed;
  for (const auto& w : status["workers"]) {
    completed[w["name"].get<std::string>()] = w["completed"].get<std::uint64_t>();
  }
  MESSAGE("fast worker " << completed["worker-1"] << ", slow worker "
                         << completed["worker-2"]);
  CHECK(completed["worker-1"] + completed["worker-2"] == ids.size());
  CHECK(completed["worker-1"] > 2 * completed["worker-2"]);
}

}  // namespace
}  // namespace drover::test
