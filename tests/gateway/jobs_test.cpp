// The /api/jobs routes: the mapping from queue and history checked field by
// field against ComfyUI's recorded answers (f_queue_history.jsonl), and the
// routes served by a real Beast listener with a fake coordinator.

#include "gateway/jobs.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "gateway/http_server.hpp"
#include "tests/gateway/recorded_session.hpp"
#include "tests/gateway/server_fixture.hpp"
#include "tests/gateway/test_client.hpp"

namespace drover::gateway {
namespace {

using plain_json = nlohmann::json;

/// The recorded answer to `method path` in f_queue_history.jsonl.
plain_json recorded_answer(const std::string& method, const std::string& path) {
  for (const auto& line : test::load_recording("f_queue_history.jsonl")) {
    if (line.value("src", "") == "http" && line.value("method", "") == method &&
        line.value("path", "") == path) {
      return line["resp"];
    }
  }
  FAIL("no recorded " << method << " " << path);
  return {};
}

/// The recorded /queue answer given just before the recorded /api/jobs.
plain_json recorded_queue() {
  plain_json last;
  for (const auto& line : test::load_recording("f_queue_history.jsonl")) {
    if (line.value("path", "") == "/queue" && line.value("method", "") == "GET") {
      last = line["resp"];
    }
    if (line.value("path", "") == "/api/jobs") {
      return last;
    }
  }
  return last;
}

plain_json plain(const json& ordered) {
  return plain_json::parse(ordered.dump());
}

jobs_query default_query() {
  auto parsed = parse_jobs_query({});
  REQUIRE(parsed.query.has_value());
  return *parsed.query;
}

TEST_CASE("the jobs list of a queue matches ComfyUI's recorded /api/jobs") {
  auto queue = json::parse(recorded_queue().dump());
  auto jobs = plain(list_jobs(queue, json::object(), default_query()));
  auto expected = recorded_answer("GET", "/api/jobs");
  REQUIRE(jobs["jobs"].size() == expected["jobs"].size());
  for (std::size_t i = 0; i < expected["jobs"].size(); ++i) {
    CHECK_MESSAGE(jobs["jobs"][i] == expected["jobs"][i], i);
  }
  CHECK(jobs["pagination"] == expected["pagination"]);
}

TEST_CASE("a finished job's detail matches ComfyUI's recorded /api/jobs/{id}") {
  const std::string id = "c6c9ef49-b04c-4548-b937-3dcdda756ac0";
  auto history = json::parse(recorded_answer("GET", "/history/" + id).dump());
  auto job = find_job(id, json::object(), history);
  REQUIRE(job.has_value());
  auto expected = recorded_answer("GET", "/api/jobs/" + id);
  for (const auto& [key, value] : expected.items()) {
    CHECK_MESSAGE(plain(*job)[key] == value, key);
  }
  CHECK(plain(*job).size() == expected.size());
}

TEST_CASE("jobs are filtered by status, sorted and paged") {
  auto queue = json::parse(recorded_queue().dump());
  auto parsed = parse_jobs_query(
      {{"status", "pending"}, {"sort_order", "asc"}, {"limit", "2"}, {"offset", "1"}});
  REQUIRE(parsed.query.has_value());
  auto page = plain(list_jobs(queue, json::object(), *parsed.query));
  REQUIRE(page["jobs"].size() == 2);
  CHECK(page["jobs"][0]["create_time"] < page["jobs"][1]["create_time"]);
  for (const auto& job : page["jobs"]) {
    CHECK(job["status"] == "pending");
  }
  CHECK(page["pagination"] ==
        plain_json({{"offset", 1}, {"limit", 2}, {"total", 4}, {"has_more", true}}));
}

TEST_CASE("bad jobs parameters are refused with ComfyUI's error texts") {
  CHECK(parse_jobs_query({{"status", "done,pending"}}).error ==
        "Invalid status value(s): done. Valid values: pending, in_progress, completed, "
        "failed, cancelled");
  CHECK(parse_jobs_query({{"sort_by", "name"}}).error ==
        "sort_by must be 'created_at' or 'execution_duration'");
  CHECK(parse_jobs_query({{"sort_order", "up"}}).error ==
        "sort_order must be 'asc' or 'desc'");
  CHECK(parse_jobs_query({{"limit", "0"}}).error == "limit must be a positive integer");
  CHECK(parse_jobs_query({{"limit", "x"}}).error == "limit must be an integer");
  CHECK(parse_jobs_query({{"offset", "1.5"}}).error == "offset must be an integer");
  CHECK(parse_jobs_query({{"offset", "-3"}}).query->offset == 0);
}

TEST_CASE("an errored history entry is failed, an interrupted one cancelled") {
  auto entry = [](const char* terminal) {
    json e;
    e["prompt"] =
        json::array({1, "p", json::object(), {{"create_time", 5}}, json::array()});
    e["outputs"] = json::object();
    e["status"] = {
        {"status_str", "error"},
        {"completed", false},
        {"messages", json::array({json::array({"execution_start", {{"timestamp", 10}}}),
                                  json::array({terminal, {{"timestamp", 12}}})})}};
    return e;
  };
  auto failed = find_job("p", json::object(), json{{"p", entry("execution_error")}});
  REQUIRE(failed.has_value());
  CHECK((*failed)["status"] == "failed");
  CHECK((*failed)["execution_error"] == json{{"timestamp", 12}});
  CHECK((*failed)["execution_end_time"] == 12);
  auto cancelled =
      find_job("p", json::object(), json{{"p", entry("execution_interrupted")}});
  CHECK((*cancelled)["status"] == "cancelled");
}

struct jobs_fixture : test::server_fixture {
  jobs_fixture() {
    coordinator.queue_json = recorded_queue().dump();
    coordinator.history_json = "{}";
  }
};

TEST_CASE("GET /api/jobs answers the list, and is not served bare") {
  jobs_fixture f;
  auto r = test::http_call(f.port, "GET", "/api/jobs");
  REQUIRE(r.status == 200);
  CHECK(plain_json::parse(r.body) == recorded_answer("GET", "/api/jobs"));
  CHECK(test::http_call(f.port, "GET", "/api/api/jobs").status == 200);
  CHECK(test::http_call(f.port, "GET", "/jobs").status == 404);

  auto bad = test::http_call(f.port, "GET", "/api/jobs?limit=-1");
  CHECK(bad.status == 400);
  CHECK(plain_json::parse(bad.body) ==
        plain_json({{"error", "limit must be a positive integer"}}));
}

TEST_CASE("GET /api/jobs/{id} finds queued jobs and 404s unknown ones") {
  jobs_fixture f;
  auto running =
      test::http_call(f.port, "GET", "/api/jobs/48070ec0-a005-4175-a2d1-98794a382ae0");
  REQUIRE(running.status == 200);
  CHECK(plain_json::parse(running.body)["status"] == "in_progress");
  auto missing = test::http_call(f.port, "GET", "/api/jobs/nope");
  CHECK(missing.status == 404);
  CHECK(plain_json::parse(missing.body) == plain_json({{"error", "Job not found"}}));
}

TEST_CASE("cancelling a job interrupts it when running and dequeues it when pending") {
  jobs_fixture f;
  const std::string running = "48070ec0-a005-4175-a2d1-98794a382ae0";
  const std::string pending = "3ee0cda8-c013-4fb4-8dff-8651f6a6a093";
  auto r = test::http_call(f.port, "POST", "/api/jobs/" + running + "/cancel");
  CHECK(plain_json::parse(r.body) == plain_json({{"cancelled", true}}));
  r = test::http_call(f.port, "POST", "/api/jobs/" + pending + "/cancel");
  CHECK(plain_json::parse(r.body) == plain_json({{"cancelled", true}}));
  r = test::http_call(f.port, "POST",
                      "/api/jobs/00000000-0000-0000-0000-000000000000/cancel");
  CHECK(plain_json::parse(r.body) == plain_json({{"cancelled", false}}));

  std::lock_guard lock{f.coordinator.mutex};
  REQUIRE(f.coordinator.interrupts.size() == 1);
  CHECK(f.coordinator.interrupts[0].prompt_id == running);
  REQUIRE(f.coordinator.queue_edits.size() == 1);
  CHECK(f.coordinator.queue_edits[0].delete_ids == std::vector<std::string>{pending});
}

TEST_CASE("bulk cancel refuses malformed ids and cancels the listed jobs") {
  jobs_fixture f;
  auto bad = test::http_call(f.port, "POST", "/api/jobs/cancel",
                             R"({"job_ids":["not-a-uuid", 3]})");
  CHECK(bad.status == 400);
  CHECK(plain_json::parse(bad.body)["invalid_ids"] == plain_json({"not-a-uuid", 3}));
  CHECK(
      test::http_call(f.port, "POST", "/api/jobs/cancel", R"({"job_ids":"x"})").status ==
      400);
  CHECK(test::http_call(f.port, "POST", "/api/jobs/cancel", "garbage").status == 400);

  auto ok = test::http_call(f.port, "POST", "/api/jobs/cancel",
                            R"({"job_ids":["3ee0cda8-c013-4fb4-8dff-8651f6a6a093",
                     "5443fe26-6893-4318-925e-862baf097411"]})");
  CHECK(plain_json::parse(ok.body) == plain_json({{"cancelled", true}}));
  std::lock_guard lock{f.coordinator.mutex};
  REQUIRE(f.coordinator.queue_edits.size() == 1);
  CHECK(f.coordinator.queue_edits[0].delete_ids.size() == 2);
}

}  // namespace
}  // namespace drover::gateway
