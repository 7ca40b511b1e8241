// ComfyUI's HTTP routes served by a real Beast listener on a loopback port,
// with the coordinator and the result store replaced by fakes.

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "gateway/http_server.hpp"
#include "tests/gateway/server_fixture.hpp"
#include "tests/gateway/test_client.hpp"

namespace drover::gateway {
namespace {

using plain_json = nlohmann::json;

/// A 1×1 RGBA PNG.
const std::string tiny_png = std::string(
    "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x06\0\0\0\x1f\x15\xc4\x89"
    "\0\0\0\rIDATx\x9c\x63\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d"
    "\0\0\0\0IEND\xae\x42\x60\x82",
    67);

/// A small upload limit, so that the 413 test stays small.
struct routes_fixture : test::server_fixture {
  routes_fixture() : test::server_fixture{4096} {}
};

TEST_CASE("a valid prompt is submitted and answered with its id and number") {
  routes_fixture f;
  f.coordinator.next_reply = actors::submit_reply{true, "", "7", "{}", ""};
  auto r = test::http_call(f.port, "POST", "/prompt",
                           R"({"prompt":{"1":{"class_type":"X","inputs":{}}},
                               "client_id":"c1","front":true})");
  CHECK(r.status == 200);
  auto body = plain_json::parse(r.body);
  CHECK(body["number"] == 7);
  CHECK(body["node_errors"] == plain_json::object());
  REQUIRE(f.coordinator.submitted.size() == 1);
  const auto& sent = f.coordinator.submitted[0];
  CHECK(body["prompt_id"] == sent.prompt_id);
  CHECK(sent.prompt_id.size() == 36);  // a fresh uuid
  CHECK(sent.has_client_id);
  CHECK(sent.client_id == "c1");
  CHECK(sent.front);
}

TEST_CASE("a body without prompt is refused with ComfyUI's no_prompt error") {
  routes_fixture f;
  auto r = test::http_call(f.port, "POST", "/prompt", R"({"client_id":"c1"})");
  CHECK(r.status == 400);
  auto body = plain_json::parse(r.body);
  CHECK(body["error"]["type"] == "no_prompt");
  CHECK(body["node_errors"] == plain_json::object());
  CHECK(f.coordinator.submitted.empty());
}

TEST_CASE("a prompt the coordinator rejects is answered 400 with its rejection") {
  routes_fixture f;
  f.coordinator.next_reply.accepted = false;
  f.coordinator.next_reply.rejection_json =
      R"({"error":{"type":"prompt_no_outputs","message":"Prompt has no outputs",)"
      R"("details":"","extra_info":{}},"node_errors":{}})";
  auto r = test::http_call(f.port, "POST", "/api/prompt", R"({"prompt":{}})");
  CHECK(r.status == 400);
  CHECK(plain_json::parse(r.body)["error"]["type"] == "prompt_no_outputs");
}

TEST_CASE("malformed JSON on /prompt gets a JSON error, not a crash") {
  routes_fixture f;
  auto r = test::http_call(f.port, "POST", "/prompt", "{\"prompt\": [1, 2");
  CHECK(r.status == 400);
  CHECK(plain_json::parse(r.body).contains("error"));
}

TEST_CASE("every route is also served under /api") {
  routes_fixture f;
  for (const char* target : {"/prompt", "/api/prompt"}) {
    auto r = test::http_call(f.port, "GET", target);
    CHECK(r.status == 200);
    CHECK(plain_json::parse(r.body) ==
          plain_json::parse(R"({"exec_info":{"queue_remaining":0}})"));
  }
  CHECK(test::http_call(f.port, "GET", "/api/queue").status == 200);
  CHECK(test::http_call(f.port, "GET", "/api/features").status == 200);
}

TEST_CASE("an unknown path is 404 and a wrong method on a known one 405") {
  routes_fixture f;
  CHECK(test::http_call(f.port, "GET", "/no/such/route").status == 404);
  CHECK(test::http_call(f.port, "GET", "/api/nothing").status == 404);
  CHECK(test::http_call(f.port, "GET", "/interrupt").status == 405);
}

TEST_CASE("a body over the upload limit is refused with 413") {
  routes_fixture f;
  auto r = test::http_call(f.port, "POST", "/prompt", std::string(10000, 'x'));
  CHECK(r.status == 413);
  CHECK(f.coordinator.submitted.empty());
}

TEST_CASE("a cross-origin request to a loopback host is refused with 403") {
  routes_fixture f;
  auto r = test::http_call(f.port, "GET", "/prompt", "",
                           {{"Origin", "http://evil.example.com"}});
  CHECK(r.status == 403);
  CHECK(r.body.empty());
  auto same = test::http_call(f.port, "GET", "/prompt", "",
                              {{"Origin", "http://127.0.0.1:" + std::to_string(f.port)}});
  CHECK(same.status == 200);
}

TEST_CASE("interrupt tolerates an empty or invalid body and passes a prompt id on") {
  routes_fixture f;
  CHECK(test::http_call(f.port, "POST", "/interrupt").status == 200);
  CHECK(test::http_call(f.port, "POST", "/interrupt", "not json").status == 200);
  CHECK(test::http_call(f.port, "POST", "/interrupt", R"({"prompt_id":"p9"})").status ==
        200);
  REQUIRE(f.coordinator.interrupts.size() == 3);
  CHECK(f.coordinator.interrupts[0].prompt_id.empty());
  CHECK(f.coordinator.interrupts[1].prompt_id.empty());
  CHECK(f.coordinator.interrupts[2].prompt_id == "p9");
}

TEST_CASE("queue edits and history queries reach the coordinator") {
  routes_fixture f;
  auto r = test::http_call(f.port, "POST", "/queue", R"({"delete":["a","b"]})");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  REQUIRE(f.coordinator.queue_edits.size() == 1);
  CHECK(f.coordinator.queue_edits[0].delete_ids == std::vector<std::string>{"a", "b"});
  CHECK(test::http_call(f.port, "POST", "/queue", "[").status == 400);

  CHECK(test::http_call(f.port, "GET", "/history?max_items=2&offset=1").body ==
        "{\"h\":1}");
  CHECK(test::http_call(f.port, "GET", "/history/abc").body == "{}");
  CHECK(test::http_call(f.port, "GET", "/history?max_items=two").status == 400);
  REQUIRE(f.coordinator.history_queries.size() == 2);
  CHECK(f.coordinator.history_queries[0].max_items == 2);
  CHECK(f.coordinator.history_queries[0].offset == 1);
  CHECK(f.coordinator.history_queries[1].prompt_id == "abc");
}

TEST_CASE("object_info of one class comes from the catalog, {} when unknown") {
  routes_fixture f;
  f.coordinator.catalog_json = R"({"EmptyImage":{"name":"EmptyImage"},"X":{}})";
  auto one = test::http_call(f.port, "GET", "/object_info/EmptyImage");
  CHECK(plain_json::parse(one.body) ==
        plain_json::parse(R"({"EmptyImage":{"name":"EmptyImage"}})"));
  CHECK(test::http_call(f.port, "GET", "/object_info/Nope").body == "{}");
  CHECK(plain_json::parse(test::http_call(f.port, "GET", "/object_info").body).size() ==
        2);
}

TEST_CASE("view serves a stored file with its type and name") {
  routes_fixture f;
  f.files.put({"output", "", "ref_00001_.png"}, tiny_png);
  f.files.put({"temp", "sub", "t.png"}, tiny_png);
  auto r = test::http_call(f.port, "GET", "/view?filename=ref_00001_.png&type=output");
  CHECK(r.status == 200);
  CHECK(r.body == tiny_png);
  CHECK(r.headers["content-type"] == "image/png");
  CHECK(r.headers["content-disposition"] == "filename=\"ref_00001_.png\"");

  auto annotated = test::http_call(f.port, "GET",
                                   "/api/view?filename=t.png%20%5Btemp%5D&subfolder=sub");
  CHECK(annotated.status == 200);
  CHECK(annotated.body == tiny_png);
}

TEST_CASE("view refuses hostile or missing names as ComfyUI does") {
  routes_fixture f;
  f.files.put({"output", "", "a.png"}, tiny_png);
  CHECK(test::http_call(f.port, "GET", "/view").status == 404);
  CHECK(test::http_call(f.port, "GET", "/view?filename=").status == 400);
  CHECK(
      test::http_call(f.port, "GET", "/view?filename=../secret.png&type=output").status ==
      400);
  CHECK(test::http_call(f.port, "GET", "/view?filename=%2Fetc%2Fpasswd").status == 400);
  CHECK(test::http_call(f.port, "GET", "/view?filename=a.png&type=models").status == 400);
  CHECK(test::http_call(f.port, "GET", "/view?filename=a.png&subfolder=../..").status ==
        403);
  CHECK(test::http_call(f.port, "GET", "/view?filename=a.png&subfolder=/etc").status ==
        403);
  CHECK(test::http_call(f.port, "GET", "/view?filename=does_not_exist.png").status ==
        404);
  auto html = test::http_call(f.port, "GET", "/view?filename=x.html");
  CHECK(html.status == 404);
}

TEST_CASE("system_stats reports this host's memory in ComfyUI's shape") {
  routes_fixture f;
  auto body = plain_json::parse(test::http_call(f.port, "GET", "/system_stats").body);
  CHECK(body["system"]["ram_total"].get<std::uint64_t>() > 0);
  CHECK(body["system"].contains("comfyui_version"));
  REQUIRE(body["devices"].size() == 1);
  CHECK(body["devices"][0]["type"] == "cpu");
}

TEST_CASE("features announce the upload limit and preview metadata") {
  routes_fixture f;
  auto body = plain_json::parse(test::http_call(f.port, "GET", "/features").body);
  CHECK(body == plain_json::parse(R"({"supports_preview_metadata":true,
      "max_upload_size":4096,"extension":{"manager":{"supports_v4":true}}})"));
}

TEST_CASE("a port already taken makes start fail with a reason") {
  routes_fixture first;
  test::fake_coordinator coordinator;
  test::memory_files files;
  server_options options;
  options.listen = actors::endpoint{"127.0.0.1", first.port};
  http_server second{options, coordinator, files};
  auto bound = second.start();
  REQUIRE_FALSE(bound.has_value());
  CHECK(bound.error().code == actors::errc::io_failure);
}

TEST_CASE("interrupt with a clientId interrupts only that client's running prompts") {
  routes_fixture f;
  f.coordinator.queue_json = R"({"queue_running":[[1,"pa",{},{"client_id":"a"},[]],)"
                             R"([2,"pb",{},{"client_id":"b"},[]]],)"
                             R"("queue_pending":[[3,"pa2",{},{"client_id":"a"},[]]]})";
  CHECK(test::http_call(f.port, "POST", "/interrupt?clientId=a").status == 200);
  CHECK(test::http_call(f.port, "POST", "/interrupt?clientId=nobody").status == 200);
  // A prompt id in the body wins over the client.
  CHECK(test::http_call(f.port, "POST", "/api/interrupt?clientId=a",
                        R"({"prompt_id":"pb"})")
            .status == 200);
  std::lock_guard lock{f.coordinator.mutex};
  REQUIRE(f.coordinator.interrupts.size() == 2);
  CHECK(f.coordinator.interrupts[0].prompt_id == "pa");
  CHECK(f.coordinator.interrupts[1].prompt_id == "pb");
}

}  // namespace
}  // namespace drover::gateway
