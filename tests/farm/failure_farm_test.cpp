// A farm that loses processes: workers killed or hung mid-prompt, a prompt
// that kills every worker it touches, a coordinator killed with SIGKILL and
// started again. Every process is real; the failures are real signals.

#include <chrono>
#include <map>
#include <signal.h>

#include <doctest/doctest.h>

#include "actors/clock.hpp"
#include "tests/farm/farm_fixture.hpp"
#include "tests/farm/stream_log.hpp"
#include "tests/farm/test_prompts.hpp"

namespace drover::test {
namespace {

/// A prompt whose output node SIGKILLs the worker that runs it.
json poison_prompt() {
  return {
      {"1", node("StubImage",
                 {{"content", "BLACK"}, {"height", 8}, {"width", 8}, {"batch_size", 1}})},
      {"2", node("DroverTestCrashWorker", {{"value", json::array({"1", 0})}})}};
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
