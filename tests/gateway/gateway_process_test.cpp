// The whole gateway process function, run_gateway, between a coordinator
// actor and a worker's ZeroMQ sockets played by the test, with a real
// WebSocket client: facts and events in, one composed prompt out.

#include "gateway/gateway_process.hpp"

#include <atomic>
#include <cstdio>
#include <future>
#include <iostream>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <thread>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <doctest/doctest.h>
#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "actors/actor_system_setup.hpp"
#include "actors/event_codec.hpp"
#include "actors/msgpack_json.hpp"
#include "actors/msgpack_reader.hpp"
#include "actors/ready_line.hpp"
#include "actors/termination.hpp"
#include "tests/gateway/test_client.hpp"

namespace drover::gateway {
namespace {

using plain_json = nlohmann::json;

/// A worker's two sockets; answers every replay request from what it
/// published, on its own thread.
struct fake_worker {
  fake_worker() {
    pub.bind("tcp://127.0.0.1:*");
    router.bind("tcp://127.0.0.1:*");
    endpoints = {"w1", pub.get(zmq::sockopt::last_endpoint),
                 router.get(zmq::sockopt::last_endpoint)};
  }
  ~fake_worker() {
    running = false;
    if (replier.joinable()) {
      replier.join();
    }
  }

  void publish(const actors::event& e) {
    published.push_back(actors::encode_event(e));
    pub.send(zmq::buffer(e.key.prompt_id), zmq::send_flags::sndmore);
    pub.send(zmq::buffer(published.back()), zmq::send_flags::none);
  }

  void start_replying() {
    replier = std::thread{[this] {
      while (running) {
        zmq::pollitem_t item{static_cast<void*>(router), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, std::chrono::milliseconds{50}) == 0) {
          continue;
        }
        std::vector<zmq::message_t> request;
        if (!zmq::recv_multipart(router, std::back_inserter(request)) ||
            request.size() != 3) {
          continue;
        }
        auto handle = msgpack::unpack(request[2].data<char>(), request[2].size());
        auto header = actors::msgpack_reader::of(handle.get()).value();
        auto from = header.unsigned_integer("from").value();
        ++replays;
        msgpack::sbuffer buffer;
        msgpack::packer<msgpack::sbuffer> out{buffer};
        out.pack_map(3);
        actors::pack_string(out, "id");
        out.pack_uint64(header.unsigned_integer("id").value());
        actors::pack_string(out, "known");
        out.pack_true();
        actors::pack_string(out, "complete");
        out.pack_true();
        router.send(request[0], zmq::send_flags::sndmore);
        router.send(zmq::str_buffer("events"), zmq::send_flags::sndmore);
        auto last = published.size();
        router.send(zmq::buffer(buffer.data(), buffer.size()),
                    from < last ? zmq::send_flags::sndmore : zmq::send_flags::none);
        for (auto i = from; i < last; ++i) {
          router.send(zmq::buffer(published[i]),
                      i + 1 < last ? zmq::send_flags::sndmore : zmq::send_flags::none);
        }
      }
    }};
  }

  zmq::context_t context{1};
  zmq::socket_t pub{context, zmq::socket_type::pub};
  zmq::socket_t router{context, zmq::socket_type::router};
  actors::worker_endpoints endpoints;
  std::vector<std::string> published;
  std::atomic<bool> running{true};
  std::atomic<int> replays{0};
  std::thread replier;
};

/// Reads what the gateway prints on stdout up to its ready line; nullopt
/// after 30 s without one.
std::optional<actors::ready_line> read_ready_line(int fd) {
  std::string line;
  char c = 0;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 30000) != 1 || ::read(fd, &c, 1) != 1) {
      return std::nullopt;
    }
    line += c;
    if (c == '\n') {
      if (auto ready = actors::ready_line::parse(line)) {
        return ready;
      }
      line.clear();
    }
  }
}

/// Stops the test's coordinator actor on every way out of the test.
struct actor_stopper {
  caf::actor actor;
  ~actor_stopper() { caf::anon_send_exit(actor, caf::exit_reason::user_shutdown); }
};

/// Ends run_gateway as its caller would, also when a check fails midway, so
/// that a failing test reports instead of hanging.
struct gateway_stopper {
  std::future<int>& finished;
  bool done = false;

  int stop() {
    done = true;
    ::kill(::getpid(), SIGTERM);
    return finished.get();
  }
  ~gateway_stopper() {
    if (!done) {
      ::kill(::getpid(), SIGTERM);
      finished.wait();
    }
  }
};

actors::event event_of(std::uint64_t seq, actors::event_body body) {
  actors::event e;
  e.key = actors::attempt_key{"p-e2e", 0, 0};
  e.seq = seq;
  e.timestamp_ms = 1000;
  e.body = std::move(body);
  return e;
}

TEST_CASE("run_gateway composes a prompt from coordinator facts and worker events") {
  actors::block_termination_signals();
  fake_worker worker;
  worker.start_replying();

  // The coordinator's side of docs/actors.md §3.
  std::promise<caf::actor> gateway_promise;
  caf::actor_system_config cfg;
  actors::configure_actor_system(cfg);
  caf::actor_system system{cfg};
  auto coordinator = system.spawn([&](caf::event_based_actor* self) -> caf::behavior {
    return {[&, self](actors::gateway_hello&) -> actors::farm_snapshot {
      gateway_promise.set_value(caf::actor_cast<caf::actor>(self->current_sender()));
      actors::farm_snapshot snapshot;
      snapshot.store_port = 1;
      snapshot.workers = {worker.endpoints};
      return snapshot;
    }};
  });
  actor_stopper coordinator_stopper{coordinator};
  auto port = system.middleman().publish(coordinator, 0, "127.0.0.1");
  REQUIRE(static_cast<bool>(port));

  // Run the process function with stdout captured for its ready line.
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  std::cout.flush();
  std::fflush(stdout);  // doctest's own output must not end up in the pipe
  int saved_stdout = ::dup(STDOUT_FILENO);
  ::dup2(pipe_fds[1], STDOUT_FILENO);
  gateway_options options;
  options.coordinator = actors::endpoint{"127.0.0.1", *port};
  options.listen = actors::endpoint{"127.0.0.1", 0};
  auto finished = std::async(std::launch::async, [&] { return run_gateway(options); });
  gateway_stopper stopper{finished};
  auto ready = read_ready_line(pipe_fds[0]);
  ::dup2(saved_stdout, STDOUT_FILENO);
  REQUIRE_MESSAGE(ready.has_value(), "no ready line within 30 s");
  CHECK(ready->role == "gateway");
  auto listen = actors::parse_endpoint(ready->fields.at("listen"));
  REQUIRE(listen.has_value());
  CHECK(ready->fields.at("url") == "http://" + ready->fields.at("listen"));

  test::ws_connection ws{listen.value().port, "cid"};
  auto hello = plain_json::parse(ws.next()->data);
  CHECK(hello["data"]["sid"] == "cid");

  // The plan, then the events (some may be lost to the late subscription;
  // the replay path repairs that), then the finish.
  auto gateway = gateway_promise.get_future().get();
  caf::anon_send(gateway,
                 actors::prompt_planned{"p-e2e", true, "cid", 1, {{0, 0, "w1"}}});
  worker.publish(event_of(0, actors::fragment_started{{}}));
  worker.publish(event_of(1, actors::node_started{"1", "1", "", "1"}));
  worker.publish(event_of(2, actors::node_finished{"1"}));
  worker.publish(event_of(3, actors::fragment_ended{}));
  caf::anon_send(gateway,
                 actors::prompt_finished{"p-e2e",
                                         true,
                                         "cid",
                                         0,
                                         "execution_success",
                                         R"({"prompt_id":"p-e2e","timestamp":5})",
                                         {{0, 0, "w1", 3}}});

  std::vector<std::string> types;
  while (true) {
    auto frame = ws.next(std::chrono::seconds{10});
    REQUIRE_MESSAGE(frame.has_value(), "stream stalled after " << types.size());
    auto m = plain_json::parse(frame->data);
    types.push_back(m["type"]);
    if (m["type"] == "executing" && m["data"]["node"].is_null()) {
      break;
    }
  }
  CHECK(types == std::vector<std::string>{"status", "execution_start", "execution_cached",
                                          "progress_state", "executing", "progress_state",
                                          "execution_success", "status", "executing"});

  CHECK(stopper.stop() == 0);
}

}  // namespace
}  // namespace drover::gateway
