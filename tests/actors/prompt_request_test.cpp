#include "actors/prompt_request.hpp"

#include <doctest/doctest.h>

namespace drover::actors {
namespace {

TEST_CASE("a body without prompt is refused with ComfyUI's no_prompt error") {
  auto parsed = parse_prompt_request(R"({"client_id": "abc"})");
  REQUIRE_FALSE(parsed.has_value());
  // The recorded answer: {"error": {"type": "no_prompt", "message": "No prompt
  // provided", "details": "No prompt provided", "extra_info": {}}, "node_errors": {}}
  auto body = parsed.error().to_json();
  CHECK(body["error"]["type"] == "no_prompt");
  CHECK(body["error"]["message"] == "No prompt provided");
  CHECK(body["error"]["details"] == "No prompt provided");
  CHECK(body["error"]["extra_info"] == json::object());
  CHECK(body["node_errors"] == json::object());
}

TEST_CASE("malformed bodies get a clear rejection") {
  for (const char* body : {"", "{", "[1,2]", "null", "\"prompt\"", "{\"prompt\": 1,}"}) {
    CAPTURE(body);
    auto parsed = parse_prompt_request(body);
    REQUIRE_FALSE(parsed.has_value());
    CHECK_FALSE(parsed.error().message.empty());
  }
}

TEST_CASE("client_id is copied into extra_data and credentials are set apart") {
  auto parsed = parse_prompt_request(R"({"prompt": {}, "client_id": "c1",
      "extra_data": {"extra_pnginfo": {"workflow": {}}, "api_key_comfy_org": "secret",
                     "auth_token_comfy_org": "token"}})");
  REQUIRE(parsed.has_value());
  const auto& request = parsed.value();
  CHECK(request.client_id == std::optional<std::string>{"c1"});
  CHECK(request.extra_data["client_id"] == "c1");
  CHECK_FALSE(request.extra_data.contains("api_key_comfy_org"));
  CHECK_FALSE(request.extra_data.contains("auth_token_comfy_org"));
  CHECK(request.sensitive["api_key_comfy_org"] == "secret");
  CHECK(request.extra_data["extra_pnginfo"]["workflow"] == json::object());
}

TEST_CASE("number, front and partial_execution_targets are read as ComfyUI reads them") {
  auto parsed = parse_prompt_request(
      R"({"prompt": {}, "number": "12.5", "front": 1,
          "partial_execution_targets": ["9", 4]})");
  REQUIRE(parsed.has_value());
  CHECK(parsed.value().number == std::optional<double>{12.5});
  CHECK(parsed.value().front);
  CHECK(*parsed.value().partial_execution_targets == std::vector<std::string>{"9", "4"});
  CHECK_FALSE(parsed.value().client_id.has_value());

  auto bad = parse_prompt_request(R"({"prompt": {}, "number": "soon"})");
  CHECK_FALSE(bad.has_value());
  auto empty_front = parse_prompt_request(R"({"prompt": {}, "front": ""})");
  REQUIRE(empty_front.has_value());
  CHECK_FALSE(empty_front.value().front);
}

TEST_CASE("a client-chosen prompt_id is kept verbatim") {
  auto parsed = parse_prompt_request(R"({"prompt": {}, "prompt_id": "my-id-1"})");
  REQUIRE(parsed.has_value());
  CHECK(parsed.value().prompt_id == "my-id-1");
  auto none = parse_prompt_request(R"({"prompt": {}, "prompt_id": null})");
  REQUIRE(none.has_value());
  CHECK(none.value().prompt_id.empty());
}

TEST_CASE("Python truthiness decides flags") {
  CHECK_FALSE(json_truthy(json(nullptr)));
  CHECK_FALSE(json_truthy(json(0)));
  CHECK_FALSE(json_truthy(json(0.0)));
  CHECK_FALSE(json_truthy(json("")));
  CHECK_FALSE(json_truthy(json::array()));
  CHECK_FALSE(json_truthy(json::object()));
  CHECK(json_truthy(json("false")));
  CHECK(json_truthy(json(-1)));
  CHECK(json_truthy(json::array({0})));
}

}  // namespace
}  // namespace drover::actors
