// The ZeroMQ event intake against a worker's real PUB and ROUTER sockets
// on loopback (docs/events.md §3).

#include "gateway/event_intake.hpp"

#include <condition_variable>
#include <mutex>

#include <doctest/doctest.h>
#include <msgpack.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "actors/event_codec.hpp"
#include "actors/msgpack_json.hpp"
#include "actors/msgpack_reader.hpp"

namespace drover::gateway {
namespace {

/// What the intake delivered, awaitable.
struct delivered {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<actors::event> events;
  std::vector<std::pair<actors::attempt_key, bool>> answers;

  intake_callbacks callbacks() {
    intake_callbacks c;
    c.on_event = [this](actors::event e) {
      std::lock_guard lock{mutex};
      events.push_back(std::move(e));
      changed.notify_all();
    };
    c.on_replay_answered = [this](const actors::attempt_key& key, bool known) {
      std::lock_guard lock{mutex};
      answers.emplace_back(key, known);
      changed.notify_all();
    };
    return c;
  }

  template <class Predicate>
  bool await(Predicate done,
             std::chrono::milliseconds timeout = std::chrono::seconds{5}) {
    std::unique_lock lock{mutex};
    return changed.wait_for(lock, timeout, [&] { return done(*this); });
  }
};

actors::event make_event(std::uint64_t seq) {
  actors::event e;
  e.key = actors::attempt_key{"p1", 0, 0};
  e.seq = seq;
  e.timestamp_ms = 1;
  e.body = actors::node_finished{"n" + std::to_string(seq)};
  return e;
}

void publish(zmq::socket_t& pub, const std::string& bytes) {
  pub.send(zmq::str_buffer("p1"), zmq::send_flags::sndmore);
  pub.send(zmq::buffer(bytes), zmq::send_flags::none);
}

struct fake_worker {
  fake_worker() {
    pub.bind("tcp://127.0.0.1:*");
    router.bind("tcp://127.0.0.1:*");
    endpoints = {"w1", pub.get(zmq::sockopt::last_endpoint),
                 router.get(zmq::sockopt::last_endpoint)};
  }
  zmq::context_t context{1};
  zmq::socket_t pub{context, zmq::socket_type::pub};
  zmq::socket_t router{context, zmq::socket_type::router};
  actors::worker_endpoints endpoints;
};

TEST_CASE("published events are decoded and handed on; garbage is dropped") {
  fake_worker worker;
  delivered got;
  event_intake intake{got.callbacks()};
  intake.start();
  intake.set_workers({worker.endpoints});

  // The subscription lands asynchronously: publish until the first arrives.
  auto first = actors::encode_event(make_event(0));
  bool arrived = false;
  for (int i = 0; i < 200 && !arrived; ++i) {
    publish(worker.pub, first);
    arrived = got.await([](delivered& d) { return !d.events.empty(); },
                        std::chrono::milliseconds{25});
  }
  REQUIRE(arrived);

  publish(worker.pub, std::string("\xc1\xff garbage", 10));
  worker.pub.send(zmq::str_buffer("only-one-frame"), zmq::send_flags::none);
  publish(worker.pub, actors::encode_event(make_event(1)));
  CHECK(got.await(
      [](delivered& d) { return !d.events.empty() && d.events.back().seq == 1; }));
  intake.stop();
}

TEST_CASE("a replay request reaches the worker and its answer comes back as events") {
  fake_worker worker;
  delivered got;
  event_intake intake{got.callbacks()};
  intake.start();
  intake.add_worker(worker.endpoints);
  intake.request_replay(replay_request{"w1", actors::attempt_key{"p1", 0, 0}, 4});

  std::vector<zmq::message_t> request;
  zmq::pollitem_t item{static_cast<void*>(worker.router), 0, ZMQ_POLLIN, 0};
  REQUIRE(zmq::poll(&item, 1, std::chrono::seconds{5}) == 1);
  REQUIRE(zmq::recv_multipart(worker.router, std::back_inserter(request)));
  REQUIRE(request.size() == 3);  // routing id, "replay", header
  CHECK(request[1].to_string() == "replay");
  auto handle = msgpack::unpack(request[2].data<char>(), request[2].size());
  auto header = actors::msgpack_reader::of(handle.get()).value();
  CHECK(header.string("prompt_id").value() == "p1");
  CHECK(header.unsigned_integer("from").value() == 4);
  auto id = header.unsigned_integer("id").value();

  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> out{buffer};
  out.pack_map(3);
  actors::pack_string(out, "id");
  out.pack_uint64(id);
  actors::pack_string(out, "known");
  out.pack_true();
  actors::pack_string(out, "complete");
  out.pack_true();
  worker.router.send(request[0], zmq::send_flags::sndmore);
  worker.router.send(zmq::str_buffer("events"), zmq::send_flags::sndmore);
  worker.router.send(zmq::buffer(buffer.data(), buffer.size()), zmq::send_flags::sndmore);
  worker.router.send(zmq::buffer(actors::encode_event(make_event(4))),
                     zmq::send_flags::sndmore);
  worker.router.send(zmq::buffer(actors::encode_event(make_event(5))),
                     zmq::send_flags::none);

  REQUIRE(got.await([](delivered& d) { return !d.answers.empty(); }));
  std::lock_guard lock{got.mutex};
  REQUIRE(got.events.size() == 2);
  CHECK(got.events[0].seq == 4);
  CHECK(got.events[1].seq == 5);
  CHECK(got.answers[0].second);
  CHECK(got.answers[0].first == actors::attempt_key{"p1", 0, 0});
}

TEST_CASE("a replay request for an unknown worker is answered as not known") {
  delivered got;
  event_intake intake{got.callbacks()};
  intake.start();
  intake.request_replay(replay_request{"nobody", actors::attempt_key{"p1", 0, 0}, 0});
  REQUIRE(got.await([](delivered& d) { return !d.answers.empty(); }));
  CHECK_FALSE(got.answers[0].second);
}

}  // namespace
}  // namespace drover::gateway
