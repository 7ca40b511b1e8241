// POST /free through a real farm: the gateway answers at once, the
// coordinator passes the flags to every worker, and a worker that freed its
// cache runs a repeated prompt again instead of reporting it cached.

#include <chrono>

#include <doctest/doctest.h>

#include "tests/farm/farm_fixture.hpp"

namespace drover::test {
namespace {

constexpr std::chrono::seconds frame_timeout{30};

/// The `nodes` of the execution_cached message of a prompt run to its end.
json cached_nodes_of_run(farm_fixture& fixture, ws_client& ws, const json& prompt) {
  json request = {{"prompt", prompt}, {"client_id", "free-client"}};
  auto accepted = fixture.post_json("/prompt", request, 200);
  REQUIRE(accepted["prompt_id"].is_string());
  const std::string id = accepted["prompt_id"];
  json cached;
  for (;;) {
    auto frame = next_frame(ws, frame_timeout);
    REQUIRE_MESSAGE(frame.has_value(), "no WebSocket frame within 30 s");
    if (!frame->text) {
      continue;
    }
    auto message = json::parse(frame->data);
    const auto& data = message["data"];
    if (!data.is_object() || data.value("prompt_id", "") != id) {
      continue;
    }
    REQUIRE(message["type"] != "execution_error");
    if (message["type"] == "execution_cached") {
      cached = data["nodes"];
    }
    if (message["type"] == "executing" && data["node"].is_null()) {
      return cached;
    }
  }
}

TEST_CASE("after POST /free a repeated prompt runs again instead of being cached") {
  farm_fixture fixture{1};
  auto ws = fixture.connect_ws("free-client");
  auto prompt = load_json_file(std::string{DROVER_SOURCE_DIR} + "/examples/invert.json");

  CHECK(cached_nodes_of_run(fixture, ws, prompt).empty());
  CHECK_FALSE(cached_nodes_of_run(fixture, ws, prompt).empty());

  auto freed = fixture.post("/free", R"({"free_memory": true})");
  CHECK(freed.status == 200);
  CHECK(freed.body.empty());
  CHECK(cached_nodes_of_run(fixture, ws, prompt).empty());

  // Only the flags ComfyUI knows do anything; a body of another shape is
  // answered the same and frees nothing.
  CHECK(fixture.post("/free", "not json").status == 200);
  CHECK_FALSE(cached_nodes_of_run(fixture, ws, prompt).empty());
}

}  // namespace
}  // namespace drover::test
