// Scenario: a ComfyUI client talks to a farm of separate processes over
// real sockets, exactly as it would talk to one ComfyUI server.

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <doctest/doctest.h>

#include "tests/farm/farm_fixture.hpp"
#include "worker/png_codec.hpp"

namespace drover::test {
namespace {

constexpr std::chrono::seconds frame_timeout{30};

/// The messages one socket received for one prompt, in order, up to and
/// including `executing` with `node: null`. `status` broadcasts are kept.
std::vector<json> read_prompt_messages(ws_client& ws, const std::string& prompt_id) {
  std::vector<json> messages;
  while (true) {
    auto frame = next_frame(ws, frame_timeout);
    REQUIRE_MESSAGE(frame.has_value(), "no WebSocket frame within 30 s; got so far: "
                                           << json(messages).dump());
    if (!frame->text) {
      continue;
    }
    auto message = json::parse(frame->data);
    const auto& data = message["data"];
    bool ours = !data.contains("prompt_id") || data["prompt_id"] == prompt_id;
    if (!ours) {
      continue;
    }
    messages.push_back(message);
    if (message["type"] == "executing" && data["node"].is_null()) {
      return messages;
    }
  }
}

std::set<std::string> keys_of(const json& object) {
  std::set<std::string> keys;
  for (const auto& item : object.items()) {
    keys.insert(item.key());
  }
  return keys;
}

/// For every message type in the recorded normal run, the set of keys its
/// `data` carries (status with and without `sid` are told apart).
std::map<std::string, std::set<std::string>> reference_shapes() {
  std::map<std::string, std::set<std::string>> shapes;
  for (const auto& line : load_session("a_normal_run.jsonl")) {
    if (line["src"] != "ws" || line["kind"] != "text") {
      continue;
    }
    const auto& message = line["msg"];
    std::string type = message["type"];
    if (type == "executing" && message["data"]["node"].is_null()) {
      type = "executing(null)";
    }
    if (type == "status" && message["data"].contains("sid")) {
      type = "status(sid)";
    }
    shapes.emplace(type, keys_of(message["data"]));
  }
  return shapes;
}

std::string shape_name(const json& message) {
  std::string type = message["type"];
  if (type == "executing" && message["data"]["node"].is_null()) {
    return "executing(null)";
  }
  return type;
}

/// ComfyUI's arithmetic for EmptyImage → ImageInvert → SaveImage on one
/// channel: float32 throughout, then truncation to 8 bits.
std::uint8_t inverted_channel(int channel_value) {
  float stored = static_cast<float>(channel_value / 255.0);
  float inverted = 1.0f - stored;
  float scaled = std::clamp(255.0f * inverted, 0.0f, 255.0f);
  return static_cast<std::uint8_t>(scaled);
}

TEST_CASE("a prompt from a ComfyUI client runs on a farm of processes and yields a PNG") {
  farm_fixture fixture{2};
  const auto shapes = reference_shapes();

  // Connecting gives the client its id back in a status message.
  auto ws = fixture.connect_ws("farm-test-client");
  auto hello = next_frame(ws, frame_timeout);
  REQUIRE(hello.has_value());
  auto hello_message = json::parse(hello->data);
  CHECK(hello_message["type"] == "status");
  CHECK(hello_message["data"]["sid"] == "farm-test-client");
  CHECK(keys_of(hello_message["data"]) == shapes.at("status(sid)"));

  auto workflow =
      load_json_file(std::string{DROVER_SOURCE_DIR} + "/examples/invert.json");
  json request = {{"prompt", workflow}, {"client_id", "farm-test-client"}};
  auto accepted = fixture.post_json("/prompt", request, 200);
  REQUIRE(accepted["prompt_id"].is_string());
  CHECK(accepted["number"].is_number());
  CHECK(accepted["node_errors"] == json::object());
  const std::string prompt_id = accepted["prompt_id"];

  auto messages = read_prompt_messages(ws, prompt_id);

  SUBCASE("the client receives ComfyUI's message order for the prompt") {
    std::vector<std::string> order;
    for (const auto& message : messages) {
      auto name = shape_name(message);
      if (name == "executing") {
        name += " " + message["data"]["node"].get<std::string>();
      }
      if (name == "executed") {
        name += " " + message["data"]["node"].get<std::string>();
      }
      order.push_back(name);
    }
    const std::vector<std::string> expected = {
        "status",         "status",         "execution_start",   "execution_cached",
        "progress_state", "executing 1",    "progress_state",    "progress_state",
        "executing 2",    "progress_state", "progress_state",    "executing 3",
        "executed 3",     "progress_state", "execution_success", "status",
        "executing(null)"};
    CHECK(json(order).dump() == json(expected).dump());
  }

  SUBCASE("every message has the shape of the recorded ComfyUI session") {
    for (const auto& message : messages) {
      auto name = shape_name(message);
      REQUIRE_MESSAGE(shapes.count(name) == 1, "no reference for " << name);
      CHECK_MESSAGE(keys_of(message["data"]) == shapes.at(name), message.dump());
    }
  }

  // The saved image, as the executed message names it.
  auto executed = std::find_if(messages.begin(), messages.end(),
                               [](const json& m) { return m["type"] == "executed"; });
  REQUIRE(executed != messages.end());
  const auto image = (*executed)["data"]["output"]["images"][0];
  CHECK(image["type"] == "output");
  CHECK(image["filename"] == "drover_invert_00001_.png");

  SUBCASE("history holds the finished prompt with its outputs") {
    auto response = fixture.get("/history/" + prompt_id);
    REQUIRE(response.status == 200);
    auto history = json::parse(response.body);
    REQUIRE(history.contains(prompt_id));
    const auto& entry = history[prompt_id];
    CHECK(entry["status"]["status_str"] == "success");
    CHECK(entry["status"]["completed"] == true);
    CHECK(entry["outputs"]["3"]["images"][0] == image);
    CHECK(entry["prompt"][1] == prompt_id);
    CHECK(entry["prompt"][2] == workflow);
    CHECK(entry["prompt"][4] == json::array({"3"}));
    std::vector<std::string> kinds;
    for (const auto& pair : entry["status"]["messages"]) {
      kinds.push_back(pair[0]);
    }
    CHECK(kinds == std::vector<std::string>{"execution_start", "execution_cached",
                                            "execution_success"});
  }

  SUBCASE("the PNG holds the inverted colour and the prompt") {
    auto response = fixture.get("/view?filename=" + image["filename"].get<std::string>() +
                                "&type=output&subfolder=");
    REQUIRE(response.status == 200);
    CHECK(response.content_type == "image/png");
    auto png = worker::decode_png(response.body);
    REQUIRE_MESSAGE(png.has_value(), png.error().message);
    const auto& pixels = png.value().image;
    CHECK(pixels.width == 64);
    CHECK(pixels.height == 48);
    REQUIRE(pixels.channels == 3);
    const std::uint8_t expected[3] = {inverted_channel(0x33), inverted_channel(0x66),
                                      inverted_channel(0x99)};
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < pixels.data.size(); ++i) {
      wrong += pixels.data[i] != expected[i % 3];
    }
    CHECK(wrong == 0);
    CHECK(pixels.data[0] == expected[0]);

    auto prompt_chunk = std::find_if(
        png.value().text.begin(), png.value().text.end(),
        [](const worker::png_text& chunk) { return chunk.first == "prompt"; });
    REQUIRE(prompt_chunk != png.value().text.end());
    CHECK(json::parse(prompt_chunk->second) == workflow);
  }
}

TEST_CASE("bad submissions get ComfyUI's errors and leave the farm serving") {
  farm_fixture fixture{1};

  auto garbage = fixture.post("/prompt", "{not json");
  CHECK(garbage.status == 400);

  auto no_prompt = fixture.post_json("/prompt", json{{"client_id", "x"}}, 400);
  CHECK(no_prompt["error"]["type"] == "no_prompt");

  json unknown = {
      {"prompt", {{"1", {{"class_type", "NoSuchNode"}, {"inputs", json::object()}}}}}};
  auto refused = fixture.post_json("/prompt", unknown, 400);
  CHECK(refused["error"]["type"] == "invalid_prompt");
  CHECK(refused["error"]["details"] == "Node ID '#1'");

  auto queue = fixture.get("/queue");
  CHECK(queue.status == 200);
  CHECK(json::parse(queue.body) ==
        json{{"queue_running", json::array()}, {"queue_pending", json::array()}});
  CHECK_FALSE(fixture.farm().ended_process().has_value());
}

}  // namespace
}  // namespace drover::test
