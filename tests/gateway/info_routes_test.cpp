// The small informational routes (/models, /embeddings, /extensions, /free,
// /) served by a real Beast listener, compared with h_info_endpoints.jsonl.

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "gateway/http_server.hpp"
#include "tests/gateway/recorded_session.hpp"
#include "tests/gateway/server_fixture.hpp"
#include "tests/gateway/test_client.hpp"

namespace drover::gateway {
namespace {

using plain_json = nlohmann::json;

plain_json recorded(const std::string& path) {
  for (const auto& line : test::load_recording("h_info_endpoints.jsonl")) {
    if (line.value("src", "") == "http" && line.value("path", "") == path) {
      return line["resp"];
    }
  }
  FAIL("no recorded " << path);
  return {};
}

using info_fixture = test::server_fixture;

TEST_CASE("models, embeddings and extensions answer ComfyUI's recorded shapes") {
  info_fixture f;
  for (const char* path : {"/models", "/embeddings", "/extensions"}) {
    for (std::string prefix : {"", "/api"}) {
      auto r = test::http_call(f.port, "GET", prefix + path);
      REQUIRE(r.status == 200);
      CHECK(r.headers["content-type"] == "application/json");
      CHECK_MESSAGE(plain_json::parse(r.body) == recorded(path), path);
    }
  }
}

TEST_CASE("a known model folder lists its files and an unknown one is 404") {
  info_fixture f;
  auto known = test::http_call(f.port, "GET", "/models/checkpoints");
  CHECK(known.status == 200);
  CHECK(plain_json::parse(known.body) == plain_json::array());
  CHECK(test::http_call(f.port, "GET", "/api/models/no_such_folder").status == 404);
  CHECK(test::http_call(f.port, "GET", "/models/../checkpoints").status == 404);
}

TEST_CASE("model folders list the union of the files the farm's workers report") {
  info_fixture f;
  f.coordinator.farm_json = R"([
    {"worker_id": "w1", "models": {"checkpoints": ["sdxl.safetensors", "a.ckpt"],
                                   "my_nodes_models": ["x.bin"]}},
    {"worker_id": "w2", "models": {"checkpoints": ["a.ckpt", "flux.safetensors"],
                                   "loras": "not a list"}},
    {"worker_id": "w3"}
  ])";
  auto checkpoints = test::http_call(f.port, "GET", "/models/checkpoints");
  REQUIRE(checkpoints.status == 200);
  CHECK(plain_json::parse(checkpoints.body) ==
        plain_json::array({"a.ckpt", "flux.safetensors", "sdxl.safetensors"}));
  CHECK(plain_json::parse(test::http_call(f.port, "GET", "/models/loras").body) ==
        plain_json::array());

  // A folder a worker's custom nodes added is listed after ComfyUI's own.
  auto folders = plain_json::parse(test::http_call(f.port, "GET", "/api/models").body);
  REQUIRE(folders.is_array());
  CHECK(folders.back() == "my_nodes_models");
  CHECK(folders.size() == recorded("/models").size() + 1);
  CHECK(
      plain_json::parse(test::http_call(f.port, "GET", "/models/my_nodes_models").body) ==
      plain_json::array({"x.bin"}));
  CHECK(test::http_call(f.port, "GET", "/models/nobody_has_this").status == 404);
}

TEST_CASE("free answers 200 with an empty body whatever the body") {
  info_fixture f;
  for (const char* body : {R"({"unload_models":true,"free_memory":true})", "", "junk"}) {
    auto r = test::http_call(f.port, "POST", "/api/free", body);
    CHECK(r.status == 200);
    CHECK(r.body.empty());
  }
  CHECK(test::http_call(f.port, "GET", "/free").status == 405);

  // Only the request that asked for something reaches the coordinator.
  std::lock_guard lock{f.coordinator.mutex};
  REQUIRE(f.coordinator.frees.size() == 1);
  CHECK(f.coordinator.frees[0].unload_models);
  CHECK(f.coordinator.frees[0].free_memory);
}

TEST_CASE("the root page names the farm and links its status routes") {
  info_fixture f;
  auto r = test::http_call(f.port, "GET", "/");
  CHECK(r.status == 200);
  CHECK(r.headers["content-type"] == "text/html; charset=utf-8");
  for (const char* link :
       {"drover", "href=\"/system_stats\"", "href=\"/queue\"", "href=\"/history\""}) {
    CHECK_MESSAGE(r.body.find(link) != std::string::npos, link);
  }
}

TEST_CASE("system_stats lists every worker's device, the host when there is none") {
  info_fixture f;
  auto alone = plain_json::parse(test::http_call(f.port, "GET", "/system_stats").body);
  REQUIRE(alone["devices"].size() == 1);
  CHECK(alone["devices"][0]["type"] == "cpu");
  auto shape = recorded("/system_stats");
  for (const auto& [key, value] : shape["system"].items()) {
    CHECK_MESSAGE(alone["system"].contains(key), key);
  }

  {
    std::lock_guard lock{f.coordinator.mutex};
    f.coordinator.farm_json =
        R"([{"worker_id":"w1","device":{"name":"cuda:0","type":"cuda","index":0}},)"
        R"({"worker_id":"w2","device":{"name":"cuda:1","type":"cuda","index":1}},)"
        R"({"worker_id":"w3","device":null}])";
  }
  auto farm = plain_json::parse(test::http_call(f.port, "GET", "/api/system_stats").body);
  REQUIRE(farm["devices"].size() == 2);
  CHECK(farm["devices"][0]["name"] == "cuda:0");
  CHECK(farm["devices"][1]["name"] == "cuda:1");
}

}  // namespace
}  // namespace drover::gateway
