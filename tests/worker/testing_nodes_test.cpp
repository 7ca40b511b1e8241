#include "worker/testing_nodes.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "worker/core_nodes.hpp"
#include "worker/executor.hpp"
#include "worker/node_call.hpp"
#include "worker_test_support.hpp"

namespace drover::worker {
namespace {

/// Records events and, when armed, sets the interrupt flag at the first
/// progress tick it sees: an interrupt that lands while a node runs.
class interrupting_sink final : public event_sink {
 public:
  explicit interrupting_sink(std::atomic<bool>& flag) : flag_(flag) {}

  std::uint64_t publish(const actors::attempt_key& key,
                        actors::event_body body) override {
    if (armed && std::holds_alternative<actors::node_progress>(body)) {
      flag_ = true;
    }
    return recorded.publish(key, std::move(body));
  }

  bool armed = false;
  testing::recording_sink recorded;

 private:
  std::atomic<bool>& flag_;
};

/// An executor over the core and testing packs at testing speed `speed`.
struct testing_fixture {
  node_registry registry;
  std::atomic<bool> interrupt{false};
  interrupting_sink events{interrupt};
  testing::memory_files files;
  std::unique_ptr<executor> exec;

  explicit testing_fixture(double speed) {
    REQUIRE(register_core_nodes(registry));
    REQUIRE(register_testing_nodes(registry, speed));
    exec = std::make_unique<executor>(registry);
  }

  fragment_report run(const json& prompt, std::vector<std::string> outputs) {
    auto graph = actors::prompt_graph::parse(prompt);
    REQUIRE(graph);
    attempt_environment env{{"p", 0, 0}, prompt, nullptr, files, events, interrupt};
    return exec->run(graph.value(), outputs, env);
  }

  const std::vector<actors::event>& recorded() const { return events.recorded.events; }

  /// Each node's events in order, as "started", "progress", "finished".
  std::map<std::string, std::vector<std::string>> per_node() const {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& e : recorded()) {
      if (auto* s = std::get_if<actors::node_started>(&e.body)) {
        out[s->node_id].push_back("started");
      } else if (auto* p = std::get_if<actors::node_progress>(&e.body)) {
        auto& steps = out[p->node_id];
        if (steps.empty() || steps.back() != "progress") {
          steps.push_back("progress");
        }
      } else if (auto* f = std::get_if<actors::node_finished>(&e.body)) {
        out[f->node_id].push_back("finished");
      }
    }
    return out;
  }

  std::vector<actors::node_progress> progress_of(const std::string& id) const {
    std::vector<actors::node_progress> out;
    for (const auto& e : recorded()) {
      if (auto* p = std::get_if<actors::node_progress>(&e.body)) {
        if (p->node_id == id) {
          out.push_back(*p);
        }
      }
    }
    return out;
  }
};

json waiting_node(const char* class_type, const char* seconds_name, double seconds) {
  return {{"class_type", class_type},
          {"inputs", {{"value", json::array({"0", 0})}, {seconds_name, seconds}}}};
}

json four_branches(const char* class_type, const char* seconds_name, double seconds) {
  json prompt = {{"0", {{"class_type", "StubInt"}, {"inputs", {{"value", 7}}}}}};
  for (const char* id : {"1", "2", "3", "4"}) {
    prompt[id] = waiting_node(class_type, seconds_name, seconds);
  }
  return prompt;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_CASE("four TestSleep branches of one prompt overlap instead of queueing") {
  // Speed 4: each one-second sleep lasts 0.25 s; in series they would take 1 s.
  testing_fixture f{4.0};
  auto start = std::chrono::steady_clock::now();
  auto report = f.run(four_branches("TestSleep", "seconds", 1.0), {"1", "2", "3", "4"});
  auto elapsed = seconds_since(start);

  CAPTURE(report.detail.dump());
  CHECK(report.outcome == actors::fragment_outcome::success);
  CHECK(elapsed >= 0.24);
  CHECK(elapsed < 0.625);  // 2.5 simulated seconds at speed 4
  auto steps = f.per_node();
  for (const char* id : {"1", "2", "3", "4"}) {
    CAPTURE(id);
    CHECK(steps[id] == std::vector<std::string>{"started", "progress", "finished"});
  }

  // The first sleep had not finished when the last one started.
  std::size_t last_started = 0, first_finished = 0;
  const auto& events = f.recorded();
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (std::holds_alternative<actors::node_started>(events[i].body)) {
      last_started = i;
    } else if (auto* done = std::get_if<actors::node_finished>(&events[i].body)) {
      if (first_finished == 0 && done->node_id != "0") {
        first_finished = i;
      }
    }
  }
  CHECK(last_started < first_finished);
}

TEST_CASE("four TestSyncProgressUpdate branches hold the executor one after another") {
  testing_fixture f{10.0};  // each one-second hold lasts 0.1 s
  auto start = std::chrono::steady_clock::now();
  auto report = f.run(four_branches("TestSyncProgressUpdate", "sleep_seconds", 1.0),
                      {"1", "2", "3", "4"});
  auto elapsed = seconds_since(start);

  CHECK(report.outcome == actors::fragment_outcome::success);
  CHECK(elapsed >= 0.39);
  auto steps = f.per_node();
  for (const char* id : {"1", "2", "3", "4"}) {
    CHECK(steps[id] == std::vector<std::string>{"started", "progress", "finished"});
  }
}

TEST_CASE("TestSyncProgressUpdate reports rising progress that ends at its seconds") {
  testing_fixture f{10.0};
  json prompt = {{"0", {{"class_type", "StubFloat"}, {"inputs", {{"value", 1.5}}}}},
                 {"1", waiting_node("TestSyncProgressUpdate", "sleep_seconds", 0.5)}};
  auto report = f.run(prompt, {"1"});

  CHECK(report.outcome == actors::fragment_outcome::success);
  auto ticks = f.progress_of("1");
  REQUIRE(ticks.size() >= 2);
  for (std::size_t i = 1; i < ticks.size(); ++i) {
    CHECK(ticks[i].value >= ticks[i - 1].value);
    CHECK(ticks[i].max == doctest::Approx(0.5));
  }
  CHECK(ticks.back().value == doctest::Approx(0.5));
}

TEST_CASE("an async node mapped over a list makes its calls at once") {
  // Speed 4: each one-second sleep lasts 0.25 s; four in series would take 1 s.
  testing_fixture f{4.0};
  json prompt = {
      {"1",
       {{"class_type", "EmptyImage"},
        {"inputs", {{"width", 2}, {"height", 2}, {"batch_size", 4}, {"color", 0}}}}},
      {"2",
       {{"class_type", "RebatchImages"},
        {"inputs", {{"images", json::array({"1", 0})}, {"batch_size", 1}}}}},
      {"3",
       {{"class_type", "TestSleep"},
        {"inputs", {{"value", json::array({"2", 0})}, {"seconds", 1.0}}}}}};
  auto start = std::chrono::steady_clock::now();
  auto report = f.run(prompt, {"3"});
  auto elapsed = seconds_since(start);

  CAPTURE(report.detail.dump());
  CHECK(report.outcome == actors::fragment_outcome::success);
  CHECK(elapsed >= 0.24);
  CHECK(elapsed < 0.625);
}

TEST_CASE("TestSyncError fails with the full execution_error detail") {
  testing_fixture f{10.0};
  json prompt = {{"0", {{"class_type", "StubInt"}, {"inputs", {{"value", 7}}}}},
                 {"1", waiting_node("TestSleep", "seconds", 0.1)},
                 {"2",
                  {{"class_type", "TestSyncError"},
                   {"inputs", {{"value", json::array({"1", 0})}}}}}};
  auto report = f.run(prompt, {"2"});

  REQUIRE(report.outcome == actors::fragment_outcome::error);
  const auto& d = report.detail;
  CHECK(d["node_id"] == "2");
  CHECK(d["node_type"] == "TestSyncError");
  CHECK(d["exception_type"] == "RuntimeError");
  CHECK(d["exception_message"] == "Intentional sync execution error for testing\n");
  CHECK(d["executed"] == json::array({"0", "1"}));
  // TestSleep passed StubInt's value through.
  CHECK(d["current_inputs"] == json{{"value", json::array({7})}});
  CHECK(d["current_outputs"].is_array());
  CHECK(d["traceback"].is_array());
  CHECK(d.size() == 8);
}

TEST_CASE("DroverTestProgressFlood reports 1..count in order and passes value on") {
  testing_fixture f{1.0};
  json prompt = {{"0", {{"class_type", "StubInt"}, {"inputs", {{"value", 7}}}}},
                 {"1",
                  {{"class_type", "DroverTestProgressFlood"},
                   {"inputs", {{"value", json::array({"0", 0})}, {"count", 500}}}}},
                 {"2",
                  {{"class_type", "TestSyncError"},
                   {"inputs", {{"value", json::array({"1", 0})}}}}}};
  auto report = f.run(prompt, {"2"});

  // TestSyncError shows what reached it: StubInt's value, through the flood.
  REQUIRE(report.outcome == actors::fragment_outcome::error);
  CHECK(report.detail["current_inputs"] == json{{"value", json::array({7})}});
  auto ticks = f.progress_of("1");
  REQUIRE(ticks.size() == 500);
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    CAPTURE(i);
    CHECK(ticks[i].value == doctest::Approx(i + 1));
    CHECK(ticks[i].max == doctest::Approx(500));
  }
}

TEST_CASE("an error while async nodes run ends the fragment once they returned") {
  testing_fixture f{10.0};
  json prompt = {{"0", {{"class_type", "StubInt"}, {"inputs", {{"value", 1}}}}},
                 {"1", waiting_node("TestSleep", "seconds", 1.0)},
                 {"2",
                  {{"class_type", "TestSyncError"},
                   {"inputs", {{"value", json::array({"0", 0})}}}}}};
  auto report = f.run(prompt, {"1", "2"});

  CHECK(report.outcome == actors::fragment_outcome::error);
  CHECK(report.detail["node_id"] == "2");
  CHECK(std::holds_alternative<actors::fragment_ended>(f.recorded().back().body));
}

TEST_CASE("async nodes still running when the fragment fails stop early") {
  testing_fixture f{1.0};
  json prompt = {{"0", {{"class_type", "StubInt"}, {"inputs", {{"value", 1}}}}},
                 {"1", waiting_node("TestSleep", "seconds", 600.0)},
                 {"2",
                  {{"class_type", "TestSyncError"},
                   {"inputs", {{"value", json::array({"0", 0})}}}}}};
  auto start = std::chrono::steady_clock::now();
  auto report = f.run(prompt, {"1", "2"});
  auto took = std::chrono::steady_clock::now() - start;

  CHECK(report.outcome == actors::fragment_outcome::error);
  CHECK(report.detail["node_id"] == "2");
  // Without being told, TestSleep would hold the fragment for ten minutes.
  CHECK(took < std::chrono::seconds{60});
  // Nothing of node 1 follows the end of the fragment.
  CHECK(std::holds_alternative<actors::fragment_ended>(f.recorded().back().body));
}

TEST_CASE("an interrupt at a progress tick ends the prompt as interrupted") {
  testing_fixture f{1.0};
  f.events.armed = true;
  json prompt = {{"0", {{"class_type", "StubInt"}, {"inputs", {{"value", 3}}}}},
                 {"1", waiting_node("TestSyncProgressUpdate", "sleep_seconds", 30.0)}};
  auto start = std::chrono::steady_clock::now();
  auto report = f.run(prompt, {"1"});

  CHECK(seconds_since(start) < 5.0);
  REQUIRE(report.outcome == actors::fragment_outcome::interrupted);
  // ComfyUI's execution_interrupted, less prompt_id and timestamp, which the
  // gateway adds (tests/data/comfyui-v0.8.0/d_interrupt.jsonl).
  CHECK(report.detail == json{{"node_id", "1"},
                              {"node_type", "TestSyncProgressUpdate"},
                              {"executed", json::array({"0"})}});
  CHECK(f.progress_of("1").size() == 1);
  CHECK(f.per_node()["1"] == std::vector<std::string>{"started", "progress"});
}

TEST_CASE("an interrupt stops every TestSleep of the prompt") {
  testing_fixture f{1.0};
  f.events.armed = true;
  auto start = std::chrono::steady_clock::now();
  auto report = f.run(four_branches("TestSleep", "seconds", 30.0), {"1", "2", "3", "4"});

  CHECK(seconds_since(start) < 5.0);
  CHECK(report.outcome == actors::fragment_outcome::interrupted);
  CHECK(report.detail["node_type"] == "TestSleep");
}

TEST_CASE("testing nodes stay out of the default catalog") {
  node_registry registry;
  REQUIRE(register_core_nodes(registry));
  for (const char* name : {"TestSleep", "TestSyncProgressUpdate", "TestSyncError",
                           "DroverTestCrashWorker", "StubImage", "StubInt"}) {
    CHECK(registry.find(name) == nullptr);
  }
}

TEST_CASE("a testing speed that is not positive is refused") {
  node_registry registry;
  CHECK_FALSE(register_testing_nodes(registry, 0.0));
  CHECK_FALSE(register_testing_nodes(registry, -1.0));
  CHECK(registry.size() == 0);
}

TEST_CASE("TestSleep declares ComfyUI's inputs and is async") {
  node_registry registry;
  REQUIRE(register_testing_nodes(registry));
  const auto* sleep = registry.find("TestSleep");
  REQUIRE(sleep != nullptr);
  CHECK(sleep->is_async);
  auto info = sleep->object_info();
  CHECK(info["input"]["required"]["value"][0] == "*");
  CHECK(info["input"]["required"]["seconds"][0] == "FLOAT");
  CHECK(info["input"]["required"]["seconds"][1]["default"] == 1.0);
  CHECK(info["input"]["hidden"]["unique_id"] == "UNIQUE_ID");
  CHECK(info["category"] == "_for_testing");
  CHECK_FALSE(registry.find("TestSyncProgressUpdate")->is_async);
}

TEST_CASE("the stub nodes make the tensors and numbers they are asked for") {
  testing_fixture f{1.0};
  json prompt = {
      {"1",
       {{"class_type", "StubConstantImage"},
        {"inputs", {{"value", 0.25}, {"height", 3}, {"width", 2}, {"batch_size", 2}}}}},
      {"2",
       {{"class_type", "StubMask"},
        {"inputs", {{"value", 0.75}, {"height", 3}, {"width", 2}, {"batch_size", 1}}}}},
      {"3",
       {{"class_type", "StubImage"},
        {"inputs",
         {{"content", "WHITE"}, {"height", 1}, {"width", 1}, {"batch_size", 1}}}}},
      // The error node shows what it was given in current_inputs.
      {"4",
       {{"class_type", "TestSyncError"}, {"inputs", {{"value", json::array({"1", 0})}}}}},
  };
  auto report = f.run(prompt, {"2", "3", "4"});
  REQUIRE(report.outcome == actors::fragment_outcome::error);
  CHECK(report.detail["current_inputs"]["value"][0] == "tensor(shape=[2, 3, 2, 3])");
  CHECK(report.detail["executed"].size() == 3);
}

TEST_CASE("DroverTestCrashWorker ends its process abruptly") {
  node_registry registry;
  REQUIRE(register_testing_nodes(registry));
  const auto* crash = registry.find("DroverTestCrashWorker");
  REQUIRE(crash != nullptr);
  CHECK(crash->output_node);

  auto child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::atomic<bool> flag{false};
    testing::recording_sink events;
    testing::memory_files files;
    attempt_environment env{{"p", 0, 0}, json::object(), nullptr, files, events, flag};
    node_call call{*crash, "9", {{"value", json(1)}}, env};
    auto ignored = crash->run(call);
    (void)ignored;
    std::_Exit(0);  // reached only if the node failed to end the process
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
}

}  // namespace
}  // namespace drover::worker
