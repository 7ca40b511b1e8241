// A ComfyUI backend's WebSocket messages, republished as drover events by a
// bridged worker (worker::backend_stream) and composed again by the gateway,
// give the client exactly what the backend itself sent: checked against the
// recorded ComfyUI sessions (docs/backends.md §3).

#include <set>

#include <doctest/doctest.h>

#include "gateway/prompt_streams.hpp"
#include "tests/gateway/recorded_session.hpp"
#include "worker/backend_stream.hpp"

namespace drover::gateway {
namespace {

using plain_json = nlohmann::json;

/// Keeps what the bridge publishes, numbered as a worker numbers it.
class recording_sink final : public worker::event_sink {
 public:
  std::uint64_t publish(const actors::attempt_key& key,
                        actors::event_body body) override {
    actors::event e;
    e.key = key;
    e.seq = events.size();
    e.timestamp_ms = 1000 + static_cast<std::int64_t>(e.seq);
    e.body = std::move(body);
    events.push_back(std::move(e));
    return events.back().seq;
  }
  std::vector<actors::event> events;
};

client::ws_frame text_frame(const plain_json& message) {
  return {true, message.dump()};
}

/// Replays recorded run `index` of `file` through a backend_stream and the
/// gateway; checks that the client sees the recording again.
void check_round_trip(const std::string& file, int index) {
  auto run = test::recorded_prompt_run(file, "A", index);
  recording_sink sink;
  worker::backend_stream stream{{run.prompt_id, 0, 0}, sink, [](const json& ui) {
                                  return actors::result<json>{ui};
                                }};
  for (const auto& message : run.messages) {
    stream.take(text_frame(message));
  }
  REQUIRE(stream.ended());
  REQUIRE_FALSE(sink.events.empty());
  CHECK(stream.report().last_seq == sink.events.size() - 1);
  // Each node the backend ran to its end has its duration; a run that
  // failed or was stopped has none for the node it stopped at.
  std::set<std::string> executing;
  for (const auto& message : run.messages) {
    if (message["type"] == "executing" && message["data"]["node"].is_string()) {
      executing.insert(message["data"]["node"].get<std::string>());
    }
  }
  const auto& node_ms = stream.report().node_ms;
  for (const auto& [id, ms] : node_ms.items()) {
    CHECK(executing.count(id) == 1);
  }
  const bool success = stream.report().outcome == actors::fragment_outcome::success;
  CHECK(node_ms.size() == (success ? executing.size() : executing.size() - 1));

  auto finished = run.finished;
  finished.fragments = {actors::finished_fragment{0, 0, "w1", stream.report().last_seq}};
  prompt_streams streams;
  stream_output out;
  streams.on_queue_changed(run.enqueued, out);
  streams.on_planned(run.planned, out);
  for (const auto& e : sink.events) {
    streams.on_event(e, out);
  }
  streams.on_finished(finished, out);
  auto seen = test::seen_by(out.messages, run.client_id);
  CHECK(seen.size() == run.messages.size());
  for (std::size_t i = 0; i < std::min(seen.size(), run.messages.size()); ++i) {
    INFO("message " << i << " of " << file << " run " << index);
    CHECK(seen[i] == run.messages[i]);
  }
}

TEST_CASE("a normal run comes through the bridge as the backend sent it") {
  check_round_trip("a_normal_run.jsonl", 0);
}

TEST_CASE("cached reruns come through the bridge as the backend sent them") {
  for (int index : {0, 1, 2}) {
    check_round_trip("b_cached_rerun.jsonl", index);
  }
}

TEST_CASE("an execution error comes through the bridge with its detail") {
  check_round_trip("c_errors.jsonl", 0);
  auto run = test::recorded_prompt_run("c_errors.jsonl", "A", 0);
  recording_sink sink;
  worker::backend_stream stream{{run.prompt_id, 0, 0}, sink, [](const json& ui) {
                                  return actors::result<json>{ui};
                                }};
  for (const auto& message : run.messages) {
    stream.take(text_frame(message));
  }
  auto recorded = json::parse(run.finished.terminal_json);
  recorded.erase("prompt_id");
  recorded.erase("timestamp");
  CHECK(stream.report().outcome == actors::fragment_outcome::error);
  CHECK(stream.report().detail == recorded);
}

TEST_CASE("an interrupted run comes through the bridge as the backend sent it") {
  check_round_trip("d_interrupt.jsonl", 0);
}

TEST_CASE("the bridge stores a node's files and reports the names the farm gave them") {
  recording_sink sink;
  worker::backend_stream stream{{"p1", 0, 0}, sink, [](const json& ui) {
                                  auto renamed = ui;
                                  renamed["images"][0]["filename"] = "farm_00007_.png";
                                  return actors::result<json>{renamed};
                                }};
  stream.take(text_frame({{"type", "execution_start"}, {"data", {{"prompt_id", "p1"}}}}));
  stream.take(text_frame(
      {{"type", "execution_cached"}, {"data", {{"prompt_id", "p1"}, {"nodes", {"1"}}}}}));
  stream.take(text_frame(
      {{"type", "executing"},
       {"data", {{"prompt_id", "p1"}, {"node", "9"}, {"display_node", "9"}}}}));
  plain_json image = {
      {"filename", "ComfyUI_00001_.png"}, {"subfolder", ""}, {"type", "output"}};
  stream.take(text_frame({{"type", "executed"},
                          {"data",
                           {{"prompt_id", "p1"},
                            {"node", "9"},
                            {"display_node", "9"},
                            {"output", {{"images", {image}}}}}}}));
  // Another prompt's messages on the same socket are not ours.
  stream.take(text_frame(
      {{"type", "executing"}, {"data", {{"prompt_id", "p2"}, {"node", "3"}}}}));
  stream.take(
      text_frame({{"type", "execution_success"}, {"data", {{"prompt_id", "p1"}}}}));

  REQUIRE(stream.ended());
  CHECK(stream.report().cached_nodes == std::vector<std::string>{"1"});
  CHECK(stream.report().outputs["9"]["images"][0]["filename"] == "farm_00007_.png");
  REQUIRE(sink.events.size() == 4);  // started, node_started, node_output, ended
  const auto* output = std::get_if<actors::node_output>(&sink.events[2].body);
  REQUIRE(output != nullptr);
  CHECK(output->ui["images"][0]["filename"] == "farm_00007_.png");
  CHECK(std::get_if<actors::node_started>(&sink.events[1].body)->node_id == "9");
}

TEST_CASE("a file that cannot be stored ends the attempt without a terminal event") {
  recording_sink sink;
  worker::backend_stream stream{{"p1", 0, 0}, sink, [](const json&) {
                                  return actors::result<json>{actors::fail(
                                      actors::errc::unavailable, "store gone")};
                                }};
  stream.take(text_frame({{"type", "execution_start"}, {"data", {{"prompt_id", "p1"}}}}));
  stream.take(text_frame({{"type", "executed"},
                          {"data",
                           {{"prompt_id", "p1"},
                            {"node", "9"},
                            {"output", {{"images", plain_json::array()}}}}}}));
  stream.take(
      text_frame({{"type", "execution_success"}, {"data", {{"prompt_id", "p1"}}}}));
  REQUIRE(stream.ended());
  REQUIRE(stream.failure().has_value());
  for (const auto& e : sink.events) {
    CHECK(std::get_if<actors::fragment_ended>(&e.body) == nullptr);
  }
}

std::string big_endian(std::uint32_t v) {
  std::string out(4, '\0');
  for (int i = 3; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

TEST_CASE("a preview waits for its progress tick, and text frames name their node") {
  recording_sink sink;
  worker::backend_stream stream{{"p1", 0, 0}, sink, [](const json& ui) {
                                  return actors::result<json>{ui};
                                }};
  stream.take(text_frame({{"type", "execution_start"}, {"data", {{"prompt_id", "p1"}}}}));
  stream.take(text_frame(
      {{"type", "execution_cached"}, {"data", {{"prompt_id", "p1"}, {"nodes", {}}}}}));
  stream.take(text_frame(
      {{"type", "executing"},
       {"data", {{"prompt_id", "p1"}, {"node", "4"}, {"display_node", "4"}}}}));
  std::string meta = plain_json{{"node_id", "4"},         {"prompt_id", "p1"},
                                {"display_node_id", "4"}, {"parent_node_id", nullptr},
                                {"real_node_id", "4"},    {"image_type", "image/jpeg"}}
                         .dump();
  stream.take({false, big_endian(4) +
                          big_endian(static_cast<std::uint32_t>(meta.size())) + meta +
                          "JPEGBYTES"});
  stream.take(text_frame(
      {{"type", "progress"},
       {"data", {{"prompt_id", "p1"}, {"node", "4"}, {"value", 3}, {"max", 10}}}}));
  stream.take({false, big_endian(3) + big_endian(1) + "4" + "step 3 of 10"});
  // Frames that are cut short are skipped, never read past their end.
  stream.take({false, big_endian(4) + big_endian(1000) + "{}"});
  stream.take({false, std::string{"\0\0", 2}});

  REQUIRE(sink.events.size() == 5);
  const auto* tick = std::get_if<actors::node_progress>(&sink.events[2].body);
  REQUIRE(tick != nullptr);
  CHECK(tick->preview_follows);
  CHECK(tick->value == 3);
  const auto* preview = std::get_if<actors::node_preview>(&sink.events[3].body);
  REQUIRE(preview != nullptr);
  CHECK(preview->node_id == "4");
  CHECK(preview->image_type == "image/jpeg");
  CHECK(std::string(preview->image.begin(), preview->image.end()) == "JPEGBYTES");
  const auto* text = std::get_if<actors::node_text>(&sink.events[4].body);
  REQUIRE(text != nullptr);
  CHECK(text->node_id == "4");
  CHECK(text->text == "step 3 of 10");
}

TEST_CASE("a V3 node's progress, shown in progress_state alone, stays state only") {
  recording_sink sink;
  worker::backend_stream stream{{"p1", 0, 0}, sink, [](const json& ui) {
                                  return actors::result<json>{ui};
                                }};
  auto state = [](const char* node, const char* state, double value, double max) {
    return plain_json{{"type", "progress_state"},
                      {"data",
                       {{"prompt_id", "p1"},
                        {"nodes",
                         {{node,
                           {{"state", state},
                            {"value", value},
                            {"max", max},
                            {"node_id", node},
                            {"display_node_id", node},
                            {"parent_node_id", nullptr},
                            {"real_node_id", node}}}}}}}};
  };
  stream.take(text_frame({{"type", "execution_start"}, {"data", {{"prompt_id", "p1"}}}}));
  stream.take(text_frame(
      {{"type", "execution_cached"}, {"data", {{"prompt_id", "p1"}, {"nodes", {}}}}}));
  stream.take(text_frame(state("4", "running", 0, 1)));
  stream.take(text_frame(
      {{"type", "executing"},
       {"data", {{"prompt_id", "p1"}, {"node", "4"}, {"display_node", "4"}}}}));
  std::string meta =
      plain_json{{"node_id", "4"}, {"prompt_id", "p1"}, {"image_type", "image/png"}}
          .dump();
  // A ProgressBar tick: progress_state, its preview, then `progress`.
  stream.take(text_frame(state("4", "running", 1, 3)));
  stream.take({false, big_endian(4) +
                          big_endian(static_cast<std::uint32_t>(meta.size())) + meta +
                          "PNG1"});
  stream.take(text_frame(
      {{"type", "progress"},
       {"data", {{"prompt_id", "p1"}, {"node", "4"}, {"value", 1}, {"max", 3}}}}));
  // A V3 tick: progress_state and its preview, and no `progress`.
  stream.take(text_frame(state("4", "running", 2, 3)));
  stream.take({false, big_endian(4) +
                          big_endian(static_cast<std::uint32_t>(meta.size())) + meta +
                          "PNG2"});
  stream.take(text_frame(state("4", "finished", 3, 3)));

  std::vector<std::string> kinds;
  for (const auto& e : sink.events) {
    if (const auto* tick = std::get_if<actors::node_progress>(&e.body)) {
      kinds.push_back(std::string{tick->state_only ? "state-tick" : "tick"} +
                      (tick->preview_follows ? "+preview" : ""));
    } else if (std::get_if<actors::node_preview>(&e.body)) {
      kinds.push_back("preview");
    } else if (std::get_if<actors::node_finished>(&e.body)) {
      kinds.push_back("finished");
    }
  }
  CHECK(kinds == std::vector<std::string>{"tick+preview", "preview", "state-tick+preview",
                                          "preview", "finished"});
}

TEST_CASE("messages of unexpected shapes are skipped, and the prompt still ends") {
  recording_sink sink;
  worker::backend_stream stream{{"p1", 0, 0}, sink, [](const json& ui) {
                                  return actors::result<json>{ui};
                                }};
  stream.take(text_frame({{"type", "execution_start"}, {"data", {{"prompt_id", "p1"}}}}));
  stream.take(text_frame({{"type", "execution_cached"},
                          {"data", {{"prompt_id", "p1"}, {"nodes", "not a list"}}}}));
  stream.take(text_frame({{"type", "executing"}, {"data", {{"node", 7}}}}));
  stream.take(text_frame(
      {{"type", "progress"}, {"data", {{"node", "3"}, {"value", "x"}, {"max", {1}}}}}));
  stream.take(text_frame(
      {{"type", "progress_state"},
       {"data",
        {{"nodes", {{"3", {{"state", 5}, {"value", "x"}, {"max", nullptr}}}}}}}}));
  stream.take(
      text_frame({{"type", "executed"},
                  {"data", {{"node", "3"}, {"output", {{"images", {1, "a"}}}}}}}));
  stream.take(text_frame({{"type", 12}, {"data", {}}}));
  stream.take({true, "{\"type\": \"status\", \"data\": [1, 2]}"});
  stream.take({true, "not json at all"});
  stream.take({false, ""});
  stream.take(
      text_frame({{"type", "execution_success"}, {"data", {{"prompt_id", "p1"}}}}));
  REQUIRE(stream.ended());
  CHECK(stream.report().outcome == actors::fragment_outcome::success);
}

TEST_CASE("a prompt the backend refuses ends with its error and node errors") {
  recording_sink sink;
  worker::backend_stream stream{{"p1", 0, 0}, sink, [](const json& ui) {
                                  return actors::result<json>{ui};
                                }};
  json answer = {{"error",
                  {{"type", "prompt_outputs_failed_validation"},
                   {"message", "Prompt outputs failed validation"},
                   {"details", ""},
                   {"extra_info", json::object()}}},
                 {"node_errors", {{"3", {{"errors", json::array()}}}}}};
  stream.refuse(answer);
  REQUIRE(stream.ended());
  CHECK(stream.report().outcome == actors::fragment_outcome::error);
  CHECK(stream.report().detail["exception_type"] == "prompt_outputs_failed_validation");
  CHECK(stream.report().detail["exception_message"] ==
        "Prompt outputs failed validation");
  CHECK(stream.report().detail["node_errors"] == answer["node_errors"]);
  REQUIRE(sink.events.size() == 2);
}

}  // namespace
}  // namespace drover::gateway
