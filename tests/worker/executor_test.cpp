#include "worker/executor.hpp"

#include <atomic>

#include <doctest/doctest.h>

#include "executor_harness.hpp"
#include "tests/support/chain_prompt.hpp"
#include "worker/node_call.hpp"

namespace drover::worker {
namespace {

using testing::recorded_runs;

/// The core pack's executor, run on prompts from the recordings.
struct executor_fixture : testing::executor_harness {
  /// The recorded events as "started 1", "output 5", "finished 5".
  std::vector<std::string> steps() const {
    std::vector<std::string> out;
    for (const auto& e : events.events) {
      if (auto* s = std::get_if<actors::node_started>(&e.body)) {
        out.push_back("started " + s->node_id);
      } else if (auto* o = std::get_if<actors::node_output>(&e.body)) {
        out.push_back("output " + o->node_id);
      } else if (auto* f = std::get_if<actors::node_finished>(&e.body)) {
        out.push_back("finished " + f->node_id);
      }
    }
    return out;
  }
};

json chain_prompt(int length) {
  return test::chain_prompt(length, 2);
}

TEST_CASE("the reference prompt runs its nodes in ComfyUI's recorded order") {
  auto trace = testing::load_trace("a_normal_run.jsonl");
  auto prompts = testing::submitted_prompts(trace);
  auto runs = recorded_runs(trace);
  REQUIRE(prompts.size() == 1);
  REQUIRE(runs.size() == 1);

  executor_fixture f;
  auto report = f.run(prompts[0], {"4", "5"});
  CHECK(report.outcome == actors::fragment_outcome::success);
  CHECK(report.cached_nodes == runs[0].cached);
  CHECK(f.steps() == runs[0].steps);

  // Events are numbered from 0 without gap, fragment_started first.
  REQUIRE(!f.events.events.empty());
  CHECK(f.events.events.front().kind() == actors::event_kind::fragment_started);
  CHECK(f.events.events.back().kind() == actors::event_kind::fragment_ended);
  CHECK(report.last_seq == f.events.events.size() - 1);
  CHECK(report.outputs["4"]["images"][0]["filename"] == "ref_a_00001_.png");
  CHECK(report.outputs["5"]["images"][0]["type"] == "temp");
  CHECK(report.meta["4"] == json{{"node_id", "4"},
                                 {"display_node", "4"},
                                 {"parent_node", nullptr},
                                 {"real_node_id", "4"}});
  CHECK(f.files.files.count("output//ref_a_00001_.png") == 1);

  // Each node that ran reports how long it took.
  CHECK(report.node_ms.size() == prompts[0].size());
  for (const auto& [id, ms] : report.node_ms.items()) {
    CAPTURE(id);
    CHECK(ms.get<double>() >= 0);
  }
}

TEST_CASE("a rerun is served from the cache and a changed widget reruns its dependents") {
  auto trace = testing::load_trace("b_cached_rerun.jsonl");
  auto prompts = testing::submitted_prompts(trace);
  auto runs = recorded_runs(trace);
  REQUIRE(prompts.size() == 3);
  REQUIRE(runs.size() == 3);

  executor_fixture f;
  f.run(prompts[0], {"4", "5"});  // fills the cache, as scenario a did for the recording
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    auto report = f.run(prompts[i], {"4", "5"});
    CHECK(report.outcome == actors::fragment_outcome::success);
    CHECK(report.cached_nodes == runs[i].cached);
    CHECK(f.steps() == runs[i].steps);
    // Nodes served from the cache ran no time of their own.
    for (const auto& cached : runs[i].cached) {
      CHECK_FALSE(report.node_ms.contains(cached));
    }
  }
  // The changed ImageScale made SaveImage write a second file.
  CHECK(f.files.files.count("output//ref_a_00002_.png") == 1);
  CHECK(f.files.files.count("output//ref_a_00003_.png") == 0);
}

TEST_CASE("a failing node ends the fragment with the full execution_error detail") {
  executor_fixture f;
  json prompt = {
      {"1",
       {{"class_type", "EmptyImage"},
        {"inputs", {{"width", 4}, {"height", 4}, {"batch_size", 1}, {"color", 0}}}}},
      {"2",
       {{"class_type", "ImageScale"},
        {"inputs",
         {{"image", json::array({"1", 0})},
          {"upscale_method", "sideways"},
          {"width", 8},
          {"height", 8},
          {"crop", "disabled"}}}}},
      {"3",
       {{"class_type", "PreviewImage"},
        {"inputs", {{"images", json::array({"2", 0})}}}}}};
  auto report = f.run(prompt, {"3"});

  CHECK(report.outcome == actors::fragment_outcome::error);
  const auto& d = report.detail;
  CHECK(d["node_id"] == "2");
  CHECK(d["node_type"] == "ImageScale");
  CHECK(d["executed"] == json::array({"1"}));
  CHECK(d["exception_type"] == "ValueError");
  CHECK(d["exception_message"].get<std::string>().find("sideways") != std::string::npos);
  CHECK(d["traceback"].is_array());
  CHECK(d["traceback"].size() >= 1);
  CHECK(d["current_inputs"]["upscale_method"] == json::array({"sideways"}));
  CHECK(d["current_inputs"]["width"] == json::array({8}));
  CHECK(d["current_inputs"]["image"] == json::array({"tensor(shape=[1, 4, 4, 3])"}));
  CHECK(d["current_outputs"] == json::array({"3", "2", "1"}));

  // Node 3 never started; the fragment_ended event carries the detail.
  CHECK(f.steps() == std::vector<std::string>{"started 1", "finished 1", "started 2"});
  auto& last = std::get<actors::fragment_ended>(f.events.events.back().body);
  CHECK(last.outcome == actors::fragment_outcome::error);
  CHECK(last.detail == d);
}

TEST_CASE("an interrupt stops the fragment before the next node") {
  executor_fixture f;
  node_definition stopper;
  stopper.class_type = "TestInterruptAfterRun";
  stopper.required("image", "IMAGE").output("IMAGE");
  stopper.run = [&f](node_call& call) -> node_outcome {
    f.interrupt = true;  // as if POST /interrupt arrived while this node ran
    DROVER_TRY(image, call.tensor_input("image"));
    return node_result{{image}, nullptr};
  };
  REQUIRE(f.registry.add(std::move(stopper)));

  json prompt = {
      {"1",
       {{"class_type", "EmptyImage"},
        {"inputs", {{"width", 2}, {"height", 2}, {"batch_size", 1}, {"color", 0}}}}},
      {"2", {{"class_type", "TestInterruptAfterRun"}, {"inputs", {{"image", {"1", 0}}}}}},
      {"3", {{"class_type", "ImageInvert"}, {"inputs", {{"image", {"2", 0}}}}}},
      {"4", {{"class_type", "PreviewImage"}, {"inputs", {{"images", {"3", 0}}}}}}};
  auto report = f.run(prompt, {"4"});

  CHECK(report.outcome == actors::fragment_outcome::interrupted);
  CHECK(report.detail == json{{"node_id", "3"},
                              {"node_type", "ImageInvert"},
                              {"executed", json::array({"1", "2"})}});
  CHECK(f.steps() ==
        std::vector<std::string>{"started 1", "finished 1", "started 2", "finished 2"});
  CHECK(f.files.files.empty());
}

TEST_CASE("a chain of 10,000 nodes runs without recursion") {
  executor_fixture f;
  auto report = f.run(chain_prompt(10000), {"out"});
  CHECK(report.outcome == actors::fragment_outcome::success);
  CHECK(f.steps().size() == 2 * 10000 + 3);  // started/finished each, + output of "out"

  // Run again: every node is cached and only the output re-sends its ui.
  report = f.run(chain_prompt(10000), {"out"});
  CHECK(report.cached_nodes.size() == 10001);
  CHECK(f.steps() == std::vector<std::string>{"output out", "finished out"});
}

TEST_CASE("a node that reads its UNIQUE_ID is cached per node id") {
  executor_fixture f;
  node_definition d;
  d.class_type = "TestById";
  d.hidden("unique_id", "UNIQUE_ID").output("INT");
  d.run = [](node_call& call) -> node_outcome {
    return node_result{{json(call.node_id())}, nullptr};
  };
  REQUIRE(f.registry.add(std::move(d)));
  node_definition sink;
  sink.class_type = "TestSink";
  sink.required("value", "INT");
  sink.output_node = true;
  sink.run = [](node_call& call) -> node_outcome {
    DROVER_TRY(v, call.string("value"));
    return node_result{{}, json{{"text", json::array({v})}}};
  };
  REQUIRE(f.registry.add(std::move(sink)));

  json first = {{"a", {{"class_type", "TestById"}, {"inputs", json::object()}}},
                {"s", {{"class_type", "TestSink"}, {"inputs", {{"value", {"a", 0}}}}}}};
  json renamed = {{"b", {{"class_type", "TestById"}, {"inputs", json::object()}}},
                  {"s", {{"class_type", "TestSink"}, {"inputs", {{"value", {"b", 0}}}}}}};
  f.run(first, {"s"});
  auto report = f.run(renamed, {"s"});
  CHECK(report.cached_nodes.empty());
  CHECK(report.outputs["s"]["text"][0] == "b");
}

}  // namespace
}  // namespace drover::worker
