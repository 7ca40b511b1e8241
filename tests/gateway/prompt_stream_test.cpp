// The composition of ComfyUI messages from facts and events
// (docs/events.md §4), checked against recorded ComfyUI sessions.

#include <algorithm>
#include <random>

#include <doctest/doctest.h>

#include "gateway/prompt_streams.hpp"
#include "tests/gateway/recorded_session.hpp"

namespace drover::gateway {
namespace {

using plain_json = nlohmann::json;
using test::recorded_run;

std::string describe(const std::vector<plain_json>& messages) {
  std::string text;
  for (const auto& m : messages) {
    text += m.dump() + "\n";
  }
  return text;
}

void check_same(const std::vector<plain_json>& produced, const recorded_run& run) {
  CHECK_MESSAGE(produced.size() == run.messages.size(), "produced:\n"
                                                            << describe(produced));
  for (std::size_t i = 0; i < std::min(produced.size(), run.messages.size()); ++i) {
    INFO("message " << i);
    CHECK(produced[i] == run.messages[i]);
  }
}

/// Feeds a run in the order the transports usually deliver it.
stream_output feed_in_order(prompt_streams& streams, const recorded_run& run) {
  stream_output out;
  streams.on_queue_changed(run.enqueued, out);
  streams.on_planned(run.planned, out);
  for (const auto& e : run.events) {
    streams.on_event(e, out);
  }
  streams.on_finished(run.finished, out);
  return out;
}

actors::event event_of(const std::string& prompt_id, std::uint64_t seq,
                       actors::event_body body, std::uint32_t fragment = 0,
                       std::uint32_t attempt = 0) {
  actors::event e;
  e.key = actors::attempt_key{prompt_id, fragment, attempt};
  e.seq = seq;
  e.timestamp_ms = 1000 + static_cast<std::int64_t>(seq);
  e.body = std::move(body);
  return e;
}

/// Plans prompt `id` for client c1 and starts its node 7 (events 0 and 1).
void start_node_7(prompt_streams& streams, const std::string& id, stream_output& out) {
  streams.on_planned({id, true, "c1", 1, {{0, 0, "w1"}}}, out);
  streams.on_event(event_of(id, 0, actors::fragment_started{{}}), out);
  streams.on_event(event_of(id, 1, actors::node_started{"7", "7", "", "7"}), out);
}

std::vector<std::string> types_of(const std::vector<plain_json>& messages) {
  std::vector<std::string> types;
  for (const auto& m : messages) {
    types.push_back(m["type"]);
  }
  return types;
}

TEST_CASE("a normal run is composed exactly as ComfyUI sent it (scenario a)") {
  auto run = test::recorded_prompt_run("a_normal_run.jsonl", "A", 0);
  REQUIRE(run.events.size() == 14);
  prompt_streams streams;
  auto out = feed_in_order(streams, run);
  check_same(test::seen_by(out.messages, run.client_id), run);
  CHECK(out.replays.empty());
  CHECK(streams.open_prompts() == 0);
}

TEST_CASE("a fully cached rerun sends executed for cached outputs only (scenario b)") {
  for (int index : {0, 1, 2}) {
    INFO("run " << index);
    auto run = test::recorded_prompt_run("b_cached_rerun.jsonl", "A", index);
    prompt_streams streams;
    auto out = feed_in_order(streams, run);
    check_same(test::seen_by(out.messages, run.client_id), run);
  }
}

TEST_CASE(
    "a runtime error ends with execution_error, status and executing null "
    "(scenario c)") {
  auto run = test::recorded_prompt_run("c_errors.jsonl", "A", 0);
  REQUIRE(run.finished.terminal_type == "execution_error");
  prompt_streams streams;
  auto out = feed_in_order(streams, run);
  check_same(test::seen_by(out.messages, run.client_id), run);
}

TEST_CASE("an interrupted run ends with execution_interrupted (scenario d)") {
  auto run = test::recorded_prompt_run("d_interrupt.jsonl", "A", 0);
  prompt_streams streams;
  auto out = feed_in_order(streams, run);
  check_same(test::seen_by(out.messages, run.client_id), run);
}

TEST_CASE("events that arrive before the plan are held and delivered after it") {
  auto run = test::recorded_prompt_run("a_normal_run.jsonl", "A", 0);
  prompt_streams streams;
  stream_output out;
  streams.on_queue_changed(run.enqueued, out);
  for (const auto& e : run.events) {
    streams.on_event(e, out);
  }
  CHECK(out.messages.size() == 1);  // only the enqueue status
  CHECK(out.replays.empty());
  streams.on_planned(run.planned, out);
  streams.on_finished(run.finished, out);
  check_same(test::seen_by(out.messages, run.client_id), run);
}

TEST_CASE("events arriving in any order are delivered in sequence order") {
  auto run = test::recorded_prompt_run("a_normal_run.jsonl", "A", 0);
  auto shuffled = run.events;
  std::mt19937 random{42};
  std::shuffle(shuffled.begin() + 1, shuffled.end(), random);
  std::reverse(shuffled.begin(), shuffled.end());

  prompt_streams streams;
  stream_output out;
  streams.on_queue_changed(run.enqueued, out);
  streams.on_planned(run.planned, out);
  for (const auto& e : shuffled) {
    streams.on_event(e, out);
  }
  streams.on_finished(run.finished, out);
  check_same(test::seen_by(out.messages, run.client_id), run);
}

TEST_CASE("a finish that arrives before the last events waits for them") {
  auto run = test::recorded_prompt_run("a_normal_run.jsonl", "A", 0);
  prompt_streams streams;
  stream_output out;
  streams.on_queue_changed(run.enqueued, out);
  streams.on_planned(run.planned, out);
  for (std::size_t i = 0; i + 3 < run.events.size(); ++i) {
    streams.on_event(run.events[i], out);
  }
  streams.on_finished(run.finished, out);
  auto before = types_of(test::seen_by(out.messages, run.client_id));
  CHECK(std::count(before.begin(), before.end(), "execution_success") == 0);
  // The missing tail is asked for once; the events then arrive over PUB/SUB.
  REQUIRE(out.replays.size() == 1);
  CHECK(out.replays[0].from == run.events.size() - 3);
  for (std::size_t i = run.events.size() - 3; i < run.events.size(); ++i) {
    streams.on_event(run.events[i], out);
  }
  check_same(test::seen_by(out.messages, run.client_id), run);
  CHECK(streams.open_prompts() == 0);
}

TEST_CASE("a gap in the numbers asks the worker for a replay and resumes with it") {
  auto run = test::recorded_prompt_run("a_normal_run.jsonl", "A", 0);
  prompt_streams streams;
  stream_output out;
  streams.on_queue_changed(run.enqueued, out);
  streams.on_planned(run.planned, out);
  for (const auto& e : run.events) {
    if (e.seq != 5 && e.seq != 6) {
      streams.on_event(e, out);
    }
  }
  REQUIRE(out.replays.size() == 1);
  CHECK(out.replays[0].worker_id == "w1");
  CHECK(out.replays[0].key == actors::attempt_key{run.prompt_id, 0, 0});
  CHECK(out.replays[0].from == 5);
  auto before = test::seen_by(out.messages, run.client_id);
  CHECK(before.size() < run.messages.size());

  // The replay answer: the events from 5 on, duplicates included.
  for (std::size_t i = 5; i < run.events.size(); ++i) {
    streams.on_event(run.events[i], out);
  }
  streams.on_replay_answered(run.events[0].key, true, out);
  streams.on_finished(run.finished, out);
  check_same(test::seen_by(out.messages, run.client_id), run);
  CHECK(out.replays.size() == 1);
}

TEST_CASE("events the worker no longer holds are skipped so that the prompt completes") {
  auto run = test::recorded_prompt_run("a_normal_run.jsonl", "A", 0);
  prompt_streams streams;
  stream_output out;
  streams.on_planned(run.planned, out);
  for (const auto& e : run.events) {
    if (e.seq != 3) {
      streams.on_event(e, out);
    }
  }
  streams.on_finished(run.finished, out);
  REQUIRE(out.replays.size() == 1);
  streams.on_replay_answered(run.events[0].key, false, out);
  auto seen = test::seen_by(out.messages, run.client_id);
  REQUIRE(!seen.empty());
  CHECK(seen.back()["type"] == "executing");
  CHECK(seen.back()["data"]["node"].is_null());
  // Lost: node 2's progress_state and executing; not fed: the enqueue status.
  CHECK(seen.size() == run.messages.size() - 3);
  CHECK(streams.open_prompts() == 0);
}

TEST_CASE("a prompt without client id broadcasts progress only, as ComfyUI does") {
  auto run = test::recorded_prompt_run("a_normal_run.jsonl", "A", 0);
  run.planned.has_client_id = false;
  run.finished.has_client_id = false;
  prompt_streams streams;
  auto out = feed_in_order(streams, run);
  for (const auto& m : out.messages) {
    CHECK_FALSE(m.client_id.has_value());
  }
  auto types = types_of(test::seen_by(out.messages, "anyone"));
  std::vector<std::string> allowed{"status", "progress_state"};
  for (const auto& type : types) {
    CHECK_MESSAGE(std::find(allowed.begin(), allowed.end(), type) != allowed.end(), type);
  }
  CHECK(std::count(types.begin(), types.end(), "progress_state") == 10);
  CHECK(types.back() == "status");
}

TEST_CASE("an interrupt of a prompt without client id reaches every socket") {
  auto run = test::recorded_prompt_run("d_interrupt.jsonl", "A", 0);
  run.planned.has_client_id = false;
  run.finished.has_client_id = false;
  prompt_streams streams;
  auto out = feed_in_order(streams, run);
  auto types = types_of(test::seen_by(out.messages, "anyone"));
  CHECK(std::count(types.begin(), types.end(), "execution_interrupted") == 1);
  CHECK(std::count(types.begin(), types.end(), "executing") == 0);
}

TEST_CASE("a requeued attempt does not repeat nodes the client saw finish") {
  const std::string id = "p-requeue";
  actors::prompt_planned plan{id, true, "c1", 1, {{0, 0, "w1"}}};
  prompt_streams streams;
  stream_output out;
  streams.on_planned(plan, out);
  streams.on_event(event_of(id, 0, actors::fragment_started{{}}), out);
  streams.on_event(event_of(id, 1, actors::node_started{"1", "1", "", "1"}), out);
  streams.on_event(event_of(id, 2, actors::node_finished{"1"}), out);
  streams.on_event(event_of(id, 3, actors::node_started{"2", "2", "", "2"}), out);

  // The worker died; the coordinator plans attempt 1 on another worker.
  plan.fragments = {{0, 1, "w2"}};
  streams.on_planned(plan, out);
  streams.on_event(event_of(id, 0, actors::fragment_started{{}}, 0, 1), out);
  streams.on_event(event_of(id, 1, actors::node_started{"1", "1", "", "1"}, 0, 1), out);
  streams.on_event(event_of(id, 2, actors::node_finished{"1"}, 0, 1), out);
  streams.on_event(event_of(id, 3, actors::node_started{"2", "2", "", "2"}, 0, 1), out);
  streams.on_event(event_of(id, 4, actors::node_finished{"2"}, 0, 1), out);
  streams.on_event(event_of(id, 5, actors::fragment_ended{}, 0, 1), out);
  actors::prompt_finished done{
      id, true, "c1", 0, "execution_success", "{}", {{0, 1, "w2", 5}}};
  streams.on_finished(done, out);

  auto seen = test::seen_by(out.messages, "c1");
  std::vector<std::string> executing;
  for (const auto& m : seen) {
    if (m["type"] == "executing" && !m["data"]["node"].is_null()) {
      executing.push_back(m["data"]["node"]);
    }
  }
  CHECK(executing == std::vector<std::string>{"1", "2", "2"});
  auto types = types_of(seen);
  CHECK(std::count(types.begin(), types.end(), "execution_start") == 1);
  CHECK(types.back() == "executing");
}

TEST_CASE("a prompt given up before any event starts and ends with its error") {
  const std::string id = "p-given-up";
  prompt_streams streams;
  stream_output out;
  streams.on_planned({id, true, "c1", 1, {{0, 0, "w1"}}}, out);
  streams.on_planned({id, true, "c1", 1, {{0, 1, "w2"}}}, out);
  // The second worker died too, before its first event; the budget is spent.
  actors::prompt_finished given_up{
      id,
      true,
      "c1",
      0,
      "execution_error",
      R"({"prompt_id": "p-given-up", "exception_type": "drover.WorkerLost"})",
      {}};
  streams.on_finished(given_up, out);

  auto types = types_of(test::seen_by(out.messages, "c1"));
  CHECK(types == std::vector<std::string>{"status", "status", "execution_start",
                                          "execution_cached", "execution_error", "status",
                                          "executing"});
  CHECK(streams.open_prompts() == 0);

  // A late event of a dead attempt changes nothing.
  stream_output late;
  streams.on_event(event_of(id, 0, actors::fragment_started{{}}), late);
  CHECK(test::seen_by(late.messages, "c1").empty());
}

TEST_CASE("a prompt given up mid-run keeps what was delivered and ends once") {
  const std::string id = "p-given-up-late";
  prompt_streams streams;
  stream_output out;
  streams.on_planned({id, true, "c1", 1, {{0, 0, "w1"}}}, out);
  streams.on_event(event_of(id, 0, actors::fragment_started{{}}), out);
  streams.on_event(event_of(id, 1, actors::node_started{"1", "1", "", "1"}), out);
  // A held event of the dead attempt, after a gap: never delivered.
  streams.on_event(event_of(id, 3, actors::node_finished{"1"}), out);
  actors::prompt_finished given_up{id, true, "c1", 0, "execution_error", "{}", {}};
  streams.on_finished(given_up, out);

  auto types = types_of(test::seen_by(out.messages, "c1"));
  CHECK(std::count(types.begin(), types.end(), "execution_start") == 1);
  CHECK(std::count(types.begin(), types.end(), "execution_error") == 1);
  CHECK(types.back() == "executing");
}

TEST_CASE("a finish naming an attempt whose plan was missed replaces the earlier one") {
  // Attempt 0 was planned but never ran (the coordinator died); the gateway
  // was reconnecting when attempt 1 was planned, and hears of it at the end.
  const std::string id = "p-missed-plan";
  prompt_streams streams;
  stream_output out;
  streams.on_planned({id, true, "c1", 1, {{0, 0, "w1"}}}, out);
  streams.on_event(event_of(id, 0, actors::fragment_started{{}}, 0, 1), out);
  streams.on_event(event_of(id, 1, actors::node_started{"1", "1", "", "1"}, 0, 1), out);
  streams.on_event(event_of(id, 2, actors::node_finished{"1"}, 0, 1), out);
  streams.on_event(event_of(id, 3, actors::fragment_ended{}, 0, 1), out);
  CHECK(types_of(test::seen_by(out.messages, "c1")) ==
        std::vector<std::string>{"status"});

  streams.on_finished({id, true, "c1", 0, "execution_success", "{}", {{0, 1, "w2", 3}}},
                      out);
  auto types = types_of(test::seen_by(out.messages, "c1"));
  CHECK(std::count(types.begin(), types.end(), "execution_start") == 1);
  CHECK(std::count(types.begin(), types.end(), "execution_success") == 1);
  CHECK(types.back() == "executing");
  CHECK(streams.open_prompts() == 0);
}

TEST_CASE("a plan heard again after a reconnect sends nothing new") {
  const std::string id = "p-plan-again";
  prompt_streams streams;
  stream_output out;
  actors::prompt_planned plan{id, true, "c1", 1, {{0, 0, "w1"}}};
  streams.on_planned(plan, out);
  streams.on_event(event_of(id, 0, actors::fragment_started{{}}), out);
  auto before = out.messages.size();
  streams.on_planned(plan, out);
  CHECK(out.messages.size() == before);
}

TEST_CASE("two fragments start together with one merged execution_cached") {
  const std::string id = "p-split";
  actors::prompt_planned plan{id, true, "c1", 1, {{0, 0, "w1"}, {1, 0, "w2"}}};
  prompt_streams streams;
  stream_output out;
  streams.on_planned(plan, out);
  streams.on_event(event_of(id, 0, actors::fragment_started{{"1", "2"}}, 0), out);
  streams.on_event(event_of(id, 1, actors::node_started{"3", "3", "", "3"}, 0), out);
  CHECK(test::seen_by(out.messages, "c1").size() == 1);  // the dequeue status only

  streams.on_event(event_of(id, 0, actors::fragment_started{{"2", "4"}}, 1), out);
  auto seen = test::seen_by(out.messages, "c1");
  REQUIRE(seen.size() >= 3);
  CHECK(seen[1]["type"] == "execution_start");
  CHECK(seen[2]["type"] == "execution_cached");
  CHECK(seen[2]["data"]["nodes"] == plain_json::parse(R"(["1","2","4"])"));
}

TEST_CASE("progress ticks update the node map and send progress") {
  const std::string id = "p-progress";
  prompt_streams streams;
  stream_output out;
  start_node_7(streams, id, out);
  streams.on_event(event_of(id, 2, actors::node_progress{"7", 3, 20}), out);
  auto seen = test::seen_by(out.messages, "c1");
  REQUIRE(seen.size() == 7);
  CHECK(seen[5]["type"] == "progress_state");
  CHECK(seen[5]["data"]["nodes"]["7"]["value"] == 3);
  CHECK(seen[5]["data"]["nodes"]["7"]["max"] == 20);
  CHECK(seen[6] == plain_json::parse(
                       R"({"type":"progress","data":{"value":3.0,"max":20.0,
                           "prompt_id":"p-progress","node":"7"}})"));
  CHECK(streams.running_node_for("c1") == std::optional<std::string>{"7"});
}

/// What each kind of socket of `client_id` receives, in order: text messages
/// by type, previews as "preview".
std::vector<std::string> order_for(const std::vector<client_message>& messages,
                                   bool with_metadata) {
  using sockets = client_message::preview_sockets;
  std::vector<std::string> order;
  for (const auto& m : messages) {
    if (!m.binary) {
      order.push_back(plain_json::parse(m.payload)["type"]);
    } else if (m.preview_to == sockets::all ||
               (m.preview_to == sockets::with_metadata) == with_metadata) {
      order.push_back("preview");
    }
  }
  return order;
}

TEST_CASE("a tick with a preview goes out in ComfyUI's order for each kind of socket") {
  const std::string id = "p-preview";
  prompt_streams streams;
  stream_output out;
  start_node_7(streams, id, out);
  out.messages.clear();
  streams.on_event(event_of(id, 2, actors::node_progress{"7", 1, 2, true}), out);
  CHECK(out.messages.empty());  // the tick waits for its preview
  CHECK(out.replays.empty());
  streams.on_event(
      event_of(id, 3, actors::node_preview{"7", "image/jpeg", {0xff, 0xd8, 0xff}}), out);

  CHECK(order_for(out.messages, true) ==
        std::vector<std::string>{"progress_state", "preview", "progress"});
  CHECK(order_for(out.messages, false) ==
        std::vector<std::string>{"progress_state", "progress", "preview"});
  const auto& typed = out.messages[1];
  REQUIRE(typed.binary);
  CHECK(typed.payload_with_metadata.compare(0, 4, std::string("\0\0\0\4", 4)) == 0);
  const auto& legacy = out.messages[3];
  REQUIRE(legacy.binary);
  CHECK(legacy.payload.compare(0, 8, std::string("\0\0\0\1\0\0\0\1", 8)) == 0);
}

TEST_CASE("a state-only tick shows in progress_state and the metadata preview alone") {
  const std::string id = "p-state-only";
  prompt_streams streams;
  stream_output out;
  start_node_7(streams, id, out);
  out.messages.clear();
  streams.on_event(event_of(id, 2, actors::node_progress{"7", 1, 2, true, true}), out);
  streams.on_event(
      event_of(id, 3, actors::node_preview{"7", "image/jpeg", {0xff, 0xd8, 0xff}}), out);
  streams.on_event(event_of(id, 4, actors::node_progress{"7", 2, 2, false, true}), out);

  CHECK(order_for(out.messages, true) ==
        std::vector<std::string>{"progress_state", "preview", "progress_state"});
  CHECK(order_for(out.messages, false) ==
        std::vector<std::string>{"progress_state", "progress_state"});
}

TEST_CASE("a tick whose preview is lost goes out alone after the replay") {
  const std::string id = "p-preview-lost";
  prompt_streams streams;
  stream_output out;
  streams.on_planned({id, true, "c1", 1, {{0, 0, "w1"}}}, out);
  streams.on_event(event_of(id, 0, actors::fragment_started{{}}), out);
  streams.on_event(event_of(id, 1, actors::node_progress{"7", 1, 2, true}), out);
  streams.on_event(event_of(id, 3, actors::fragment_ended{}), out);
  REQUIRE(out.replays.size() == 1);
  CHECK(out.replays[0].from == 1);
  CHECK(order_for(out.messages, false).back() == "execution_cached");

  streams.on_finished({id, true, "c1", 0, "execution_success", "{}", {{0, 0, "w1", 3}}},
                      out);
  streams.on_replay_answered({id, 0, 0}, true, out);
  auto order = order_for(out.messages, false);
  CHECK(std::count(order.begin(), order.end(), "progress") == 1);
  CHECK(std::count(order.begin(), order.end(), "preview") == 0);
  CHECK(order.back() == "executing");
  CHECK(streams.open_prompts() == 0);
}

TEST_CASE("node text becomes a binary TEXT frame for every socket") {
  const std::string id = "p-text";
  prompt_streams streams;
  stream_output out;
  streams.on_planned({id, true, "c1", 1, {{0, 0, "w1"}}}, out);
  streams.on_event(event_of(id, 0, actors::fragment_started{{}}), out);
  streams.on_event(event_of(id, 1, actors::node_text{"2", "width: 96"}), out);
  const auto& frame = out.messages.back();
  CHECK(frame.binary);
  CHECK_FALSE(frame.client_id.has_value());
  CHECK(frame.payload == std::string("\0\0\0\3\0\0\0\1"
                                     "2width: 96",
                                     18));
}

TEST_CASE("queue changes are broadcast as status") {
  prompt_streams streams;
  stream_output out;
  streams.on_queue_changed({3}, out);
  REQUIRE(out.messages.size() == 1);
  CHECK_FALSE(out.messages[0].client_id.has_value());
  CHECK(plain_json::parse(out.messages[0].payload) ==
        plain_json::parse(R"({"type":"status","data":{"status":{"exec_info":
                               {"queue_remaining":3}}}})"));
  CHECK(streams.queue_remaining() == 3);
}

TEST_CASE("late copies of a finished prompt's events are dropped") {
  auto run = test::recorded_prompt_run("a_normal_run.jsonl", "A", 0);
  prompt_streams streams;
  auto out = feed_in_order(streams, run);
  auto count = out.messages.size();
  streams.on_event(run.events[4], out);
  CHECK(out.messages.size() == count);
  CHECK(streams.open_prompts() == 0);
}

TEST_CASE("events of prompts never planned are bounded") {
  stream_limits limits;
  limits.max_unplanned_prompts = 4;
  limits.max_held_per_prompt = 3;
  prompt_streams streams{limits};
  stream_output out;
  for (int i = 0; i < 10; ++i) {
    for (std::uint64_t seq = 0; seq < 5; ++seq) {
      streams.on_event(event_of("p" + std::to_string(i), seq, actors::node_finished{"1"}),
                       out);
    }
  }
  CHECK(streams.open_prompts() == 4);
  CHECK(out.messages.empty());
}

}  // namespace
}  // namespace drover::gateway
