// The recorded prompts that exercise the mask, string, primitive and batch
// classes, run through the real executor with the native node pack.

#include <atomic>

#include <doctest/doctest.h>

#include "worker/core_nodes.hpp"
#include "worker/executor.hpp"
#include "worker_test_support.hpp"

namespace drover::worker {
namespace {

struct recorded_prompt_run {
  node_registry registry;
  testing::recording_sink events;
  testing::memory_files files;
  std::atomic<bool> interrupt{false};

  recorded_prompt_run() { REQUIRE(register_core_nodes(registry)); }

  fragment_report run(const json& prompt, std::vector<std::string> outputs) {
    auto graph = actors::prompt_graph::parse(prompt);
    REQUIRE(graph);
    executor exec{registry};
    attempt_environment env{{"p", 0, 0}, prompt, nullptr, files, events, interrupt};
    return exec.run(graph.value(), outputs, env);
  }
};

/// The `data` of the first websocket message of `type` in a recording.
json first_message(const std::vector<json>& trace, const std::string& type) {
  for (const auto& line : trace) {
    if (line.contains("msg") && line["msg"].value("type", "") == type) {
      return line["msg"]["data"];
    }
  }
  return nullptr;
}

TEST_CASE("the recorded RegexReplace of ( fails with ComfyUI's execution_error fields") {
  auto trace = testing::load_trace("c_errors.jsonl");
  auto prompt = testing::submitted_prompts(trace).at(0);
  auto recorded = first_message(trace, "execution_error");
  REQUIRE(recorded.is_object());

  recorded_prompt_run r;
  auto report = r.run(prompt, {"2"});
  CHECK(report.outcome == actors::fragment_outcome::error);
  const auto& d = report.detail;
  for (const char* key : {"node_id", "node_type", "exception_type", "current_inputs",
                          "current_outputs", "executed"}) {
    CAPTURE(key);
    CHECK(d[key] == recorded[key]);
  }
  // ComfyUI's executor formats every message as "{ex}\n{tips}"; so does drover's.
  CHECK(d["exception_message"].get<std::string>() ==
        recorded["exception_message"].get<std::string>());
}

TEST_CASE("the recorded GetImageSize prompt sends its text and previews the width") {
  auto trace = testing::load_trace("g_binary_text.jsonl");
  auto prompt = testing::submitted_prompts(trace).at(0);
  auto runs = testing::recorded_runs(trace);
  REQUIRE(runs.size() == 1);

  recorded_prompt_run r;
  auto report = r.run(prompt, {"3"});
  REQUIRE(report.outcome == actors::fragment_outcome::success);

  std::vector<std::string> steps;
  std::vector<std::pair<std::string, std::string>> texts;
  json shown;
  for (const auto& e : r.events.events) {
    if (auto* s = std::get_if<actors::node_started>(&e.body)) {
      steps.push_back("started " + s->node_id);
    } else if (auto* o = std::get_if<actors::node_output>(&e.body)) {
      steps.push_back("output " + o->node_id);
      shown = o->ui;
    } else if (auto* f = std::get_if<actors::node_finished>(&e.body)) {
      steps.push_back("finished " + f->node_id);
    } else if (auto* t = std::get_if<actors::node_text>(&e.body)) {
      texts.emplace_back(t->node_id, t->text);
    }
  }
  CHECK(steps == runs[0].steps);
  CHECK(shown == first_message(trace, "executed")["output"]);

  std::string recorded_text;
  for (const auto& line : trace) {
    if (line.value("kind", "") == "binary") {
      recorded_text = line["text"].get<std::string>();
      REQUIRE(texts.size() == 1);
      CHECK(texts[0].first == line["text_node_id"].get<std::string>());
    }
  }
  REQUIRE(texts.size() == 1);
  CHECK(texts[0].second == recorded_text);
}

}  // namespace
}  // namespace drover::worker
