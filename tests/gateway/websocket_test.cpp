// ComfyUI's WebSocket served by a real Beast listener: the hello, the
// feature flags, and a composed prompt reaching only its client's socket.

#include <future>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "gateway/http_server.hpp"
#include "gateway/session_context.hpp"
#include "tests/gateway/server_fixture.hpp"
#include "tests/gateway/test_client.hpp"

namespace drover::gateway {
namespace {

using plain_json = nlohmann::json;

struct ws_fixture : test::server_fixture {
  /// Runs `work` on the io thread and waits until it ran.
  void on_hub(std::function<void(hub&)> work) {
    std::promise<void> done;
    server->post([&](hub& h) {
      work(h);
      done.set_value();
    });
    done.get_future().wait();
  }

  /// Waits until `n` clients are routed (joining happens after the
  /// handshake, on the io thread).
  void await_clients(std::size_t n) {
    for (int i = 0; i < 500; ++i) {
      std::size_t count = 0;
      on_hub([&](hub& h) { count = h.client_count(); });
      if (count >= n) {
        return;
      }
      std::this_thread::yield();
    }
    FAIL("clients never joined");
  }
};

plain_json next_json(test::ws_connection& ws) {
  auto frame = ws.next();
  REQUIRE(frame.has_value());
  REQUIRE(frame->text);
  return plain_json::parse(frame->data);
}

TEST_CASE("a socket first receives status with its sid") {
  ws_fixture f;
  f.on_hub([](hub& h) { h.set_queue_remaining(2); });
  test::ws_connection ws{f.port, "abc123"};
  CHECK(next_json(ws) ==
        plain_json::parse(R"({"type":"status","data":{"status":{"exec_info":
                              {"queue_remaining":2}},"sid":"abc123"}})"));
}

TEST_CASE("a socket without clientId gets an invented 32-digit hex id") {
  ws_fixture f;
  test::ws_connection ws{f.port, ""};
  auto hello = next_json(ws);
  std::string sid = hello["data"]["sid"];
  CHECK(sid.size() == 32);
  CHECK(sid.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("a first feature_flags frame is answered with the server's flags") {
  ws_fixture f;
  test::ws_connection ws{f.port, "c"};
  next_json(ws);
  ws.send_text(R"({"type":"feature_flags","data":{"supports_preview_metadata":true}})");
  auto answer = next_json(ws);
  CHECK(answer["type"] == "feature_flags");
  CHECK(answer["data"]["supports_preview_metadata"] == true);
  CHECK(answer["data"]["extension"]["manager"]["supports_v4"] == true);
  CHECK(answer["data"]["max_upload_size"] == 104857600);
  // Later frames are ignored: a second one gets no answer.
  ws.send_text(R"({"type":"feature_flags","data":{}})");
  CHECK_FALSE(ws.next(std::chrono::milliseconds{200}).has_value());
}

TEST_CASE("a prompt's messages reach only its client's socket; status reaches all") {
  ws_fixture f;
  test::ws_connection mine{f.port, "mine"};
  test::ws_connection other{f.port, "other"};
  next_json(mine);
  next_json(other);
  f.await_clients(2);

  const std::string id = "p1";
  f.on_hub([&](hub& h) {
    h.on_planned({id, true, "mine", 1, {{0, 0, "w1"}}});
    actors::event e;
    e.key = {id, 0, 0};
    e.seq = 0;
    e.body = actors::fragment_started{{}};
    h.on_event(e);
    e.seq = 1;
    e.body = actors::node_started{"1", "1", "", "1"};
    h.on_event(e);
    e.seq = 2;
    e.body = actors::node_finished{"1"};
    h.on_event(e);
    e.seq = 3;
    e.body = actors::fragment_ended{};
    h.on_event(e);
    h.on_finished({id, true, "mine", 0, "execution_success", "{}", {{0, 0, "w1", 3}}});
  });

  std::vector<std::string> types;
  while (true) {
    auto m = next_json(mine);
    types.push_back(m["type"]);
    if (m["type"] == "executing" && m["data"]["node"].is_null()) {
      break;
    }
  }
  CHECK(types == std::vector<std::string>{"status", "execution_start", "execution_cached",
                                          "progress_state", "executing", "progress_state",
                                          "execution_success", "status", "executing"});
  // The bystander sees the two status broadcasts and nothing else.
  CHECK(next_json(other)["type"] == "status");
  CHECK(next_json(other)["type"] == "status");
  CHECK_FALSE(other.next(std::chrono::milliseconds{200}).has_value());
}

TEST_CASE("a reconnect with the same id takes over routing, also after the old closes") {
  ws_fixture f;
  auto old_socket = std::make_unique<test::ws_connection>(f.port, "same");
  next_json(*old_socket);
  f.await_clients(1);
  test::ws_connection fresh{f.port, "same"};
  next_json(fresh);
  old_socket.reset();  // ComfyUI would now drop "same" from routing

  f.on_hub([](hub& h) { h.on_planned({"p2", true, "same", 1, {{0, 0, "w1"}}}); });
  CHECK(next_json(fresh)["type"] == "status");
  f.on_hub([](hub& h) {
    actors::event e;
    e.key = {"p2", 0, 0};
    e.body = actors::fragment_started{{}};
    h.on_event(e);
  });
  CHECK(next_json(fresh)["type"] == "execution_start");
}

TEST_CASE("a client that cannot keep up is closed with a reason, not skipped") {
  test::fake_coordinator coordinator;
  test::memory_files files;
  server_options options;
  options.listen = actors::endpoint{"127.0.0.1", 0};
  options.client_queue_bytes = 4 * (100 + queued_frame_overhead);
  http_server server{options, coordinator, files};
  auto bound = server.start();
  REQUIRE(bound.has_value());
  test::ws_connection slow{bound.value().port, "slow"};

  // Flood from the io thread in one go: the queue fills before any write
  // completes.
  std::promise<void> done;
  server.post([&](hub& h) {
    for (int i = 0; i < 64; ++i) {
      h.on_queue_changed({static_cast<std::uint64_t>(i)});
    }
    done.set_value();
  });
  done.get_future().wait();
  int frames = 0;
  while (slow.next(std::chrono::seconds{2})) {
    ++frames;
  }
  CHECK(frames < 64);
  CHECK(frames >= 1);
}

}  // namespace
}  // namespace drover::gateway

namespace drover::gateway {
namespace {

TEST_CASE("a client reconnecting mid-prompt gets the running node, then the rest") {
  ws_fixture f;
  const std::string id = "p3";
  auto first = std::make_unique<test::ws_connection>(f.port, "b");
  next_json(*first);
  f.await_clients(1);
  actors::event e;
  e.key = {id, 0, 0};
  f.on_hub([&](hub& h) {
    h.set_queue_remaining(2);
    h.on_planned({id, true, "b", 2, {{0, 0, "w1"}}});
    e.seq = 0;
    e.body = actors::fragment_started{{}};
    h.on_event(e);
    e.seq = 1;
    e.body = actors::node_started{"11", "11", "", "11"};
    h.on_event(e);
  });
  first.reset();  // B drops while node 11 runs

  test::ws_connection again{f.port, "b"};
  CHECK(next_json(again) ==
        plain_json::parse(R"({"type":"status","data":{"status":{"exec_info":
                              {"queue_remaining":2}},"sid":"b"}})"));
  // As ComfyUI sends it: no prompt_id, no display_node.
  CHECK(next_json(again) ==
        plain_json::parse(R"({"type":"executing","data":{"node":"11"}})"));

  f.await_clients(1);
  f.on_hub([&](hub& h) {
    e.seq = 2;
    e.body = actors::node_finished{"11"};
    h.on_event(e);
    e.seq = 3;
    e.body = actors::node_started{"12", "12", "", "12"};
    h.on_event(e);
  });
  CHECK(next_json(again)["type"] == "progress_state");
  CHECK(next_json(again)["type"] == "progress_state");
  auto executing = next_json(again);
  CHECK(executing["data"] ==
        plain_json({{"node", "12"}, {"display_node", "12"}, {"prompt_id", id}}));
}

TEST_CASE("a client connecting with no running prompt gets status only") {
  ws_fixture f;
  test::ws_connection ws{f.port, "idle"};
  CHECK(next_json(ws)["type"] == "status");
  CHECK_FALSE(ws.next(std::chrono::milliseconds{200}).has_value());
}

}  // namespace
}  // namespace drover::gateway
