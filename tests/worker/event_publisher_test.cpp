#include "worker/event_publisher.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <msgpack.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "actors/event_codec.hpp"
#include "actors/msgpack_reader.hpp"

namespace drover::worker {
namespace {

const actors::attempt_key attempt{"prompt-1", 0, 2};

std::unique_ptr<event_publisher> start_publisher(zmq::context_t& context) {
  auto started = event_publisher::start(context, {});
  REQUIRE(started);
  return std::move(started.value());
}

/// Receives one [topic, event] message, or nullopt after `wait_ms`.
std::optional<actors::event> receive_event(zmq::socket_t& sub, long wait_ms) {
  zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, std::chrono::milliseconds{wait_ms}) == 0) {
    return std::nullopt;
  }
  std::vector<zmq::message_t> frames;
  REQUIRE(zmq::recv_multipart(sub, std::back_inserter(frames)));
  REQUIRE(frames.size() == 2);
  auto e =
      actors::decode_event(static_cast<const char*>(frames[1].data()), frames[1].size());
  REQUIRE(e);
  CHECK(frames[0].to_string() == e.value().key.prompt_id);
  return e.value();
}

/// A SUB connected to `publisher` whose subscription has landed: it publishes
/// probes of a throw-away attempt until one arrives.
zmq::socket_t subscribed(zmq::context_t& context, event_publisher& publisher) {
  zmq::socket_t sub{context, zmq::socket_type::sub};
  sub.set(zmq::sockopt::subscribe, "");
  sub.connect(publisher.events_endpoint());
  const actors::attempt_key probe{"probe", 0, 0};
  for (;;) {
    publisher.publish(probe, actors::node_finished{"probe"});
    if (receive_event(sub, 20)) {
      break;
    }
  }
  while (receive_event(sub, 0)) {
  }
  return sub;
}

void publish_attempt(event_publisher& publisher) {
  CHECK(publisher.publish(attempt, actors::fragment_started{{"1"}}) == 0);
  CHECK(publisher.publish(attempt, actors::node_started{"2", "2", "", "2"}) == 1);
  CHECK(publisher.publish(attempt, actors::node_progress{"2", 1, 4}) == 2);
  CHECK(publisher.publish(attempt, actors::node_finished{"2"}) == 3);
  CHECK(publisher.publish(attempt, actors::fragment_ended{}) == 4);
}

std::string replay_request(std::uint64_t id, const actors::attempt_key& key,
                           std::uint64_t from) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> out{buffer};
  out.pack_map(5);
  out.pack(std::string{"id"});
  out.pack(id);
  out.pack(std::string{"prompt_id"});
  out.pack(key.prompt_id);
  out.pack(std::string{"fragment"});
  out.pack(key.fragment);
  out.pack(std::string{"attempt"});
  out.pack(key.attempt);
  out.pack(std::string{"from"});
  out.pack(from);
  return {buffer.data(), buffer.size()};
}

struct replay_answer {
  std::uint64_t id = 0;
  bool known = false;
  bool complete = false;
  std::vector<actors::event> events;
};

replay_answer ask_replay(zmq::socket_t& dealer, const std::string& header) {
  dealer.send(zmq::str_buffer("replay"), zmq::send_flags::sndmore);
  dealer.send(zmq::buffer(header), zmq::send_flags::none);
  std::vector<zmq::message_t> frames;
  REQUIRE(zmq::recv_multipart(dealer, std::back_inserter(frames)));
  REQUIRE(frames.size() >= 2);
  CHECK(frames[0].to_string() == "events");
  auto handle =
      msgpack::unpack(static_cast<const char*>(frames[1].data()), frames[1].size());
  auto reader = actors::msgpack_reader::of(handle.get());
  REQUIRE(reader);
  replay_answer answer;
  answer.id = reader.value().unsigned_integer("id").value();
  answer.known = reader.value().boolean("known").value();
  answer.complete = reader.value().boolean("complete").value();
  for (std::size_t i = 2; i < frames.size(); ++i) {
    auto e = actors::decode_event(static_cast<const char*>(frames[i].data()),
                                  frames[i].size());
    REQUIRE(e);
    answer.events.push_back(e.value());
  }
  return answer;
}

TEST_CASE("published events arrive decoded and in order at a SUB over tcp") {
  zmq::context_t context;
  auto publisher = start_publisher(context);
  CHECK(publisher->events_endpoint().rfind("tcp://127.0.0.1:", 0) == 0);
  auto sub = subscribed(context, *publisher);

  publish_attempt(*publisher);
  for (std::uint64_t seq = 0; seq < 5; ++seq) {
    auto e = receive_event(sub, 5000);
    REQUIRE(e);
    CHECK(e->key == attempt);
    CHECK(e->seq == seq);
    CHECK(e->timestamp_ms > 0);
  }
  // A new attempt of the same fragment numbers from 0 again.
  CHECK(publisher->publish({"prompt-1", 0, 3}, actors::fragment_started{}) == 0);
}

/// A TCP port free on every address now: the kernel's pick for a plain
/// socket, closed again at once (a ZeroMQ socket would close it later).
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST_CASE("fixed ports on a wildcard bind are advertised under the worker's address") {
  zmq::context_t context;
  event_publisher::options opts;
  opts.host = "127.0.0.1";
  opts.bind_host = "0.0.0.0";
  opts.events_port = free_port();
  opts.replay_port = free_port();
  REQUIRE(opts.events_port != opts.replay_port);
  auto started = event_publisher::start(context, opts);
  REQUIRE_MESSAGE(started, (started ? "" : started.error().message));
  auto& publisher = *started.value();
  CHECK(publisher.events_endpoint() ==
        "tcp://127.0.0.1:" + std::to_string(opts.events_port));
  CHECK(publisher.replay_endpoint() ==
        "tcp://127.0.0.1:" + std::to_string(opts.replay_port));

  auto sub = subscribed(context, publisher);
  CHECK(publisher.publish(attempt, actors::fragment_started{}) == 0);
  auto e = receive_event(sub, 5000);
  REQUIRE(e);
  CHECK(e->key == attempt);

  // A port in use is a clear failure, not a crash.
  auto clash = event_publisher::start(context, opts);
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == actors::errc::io_failure);
}

TEST_CASE(
    "a replay request returns the held events from k, complete after fragment_ended") {
  zmq::context_t context;
  auto publisher = start_publisher(context);
  auto sub = subscribed(context, *publisher);
  publish_attempt(*publisher);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(receive_event(sub, 5000));  // the socket thread has archived them all
  }

  zmq::socket_t dealer{context, zmq::socket_type::dealer};
  dealer.connect(publisher->replay_endpoint());

  auto answer = ask_replay(dealer, replay_request(7, attempt, 2));
  CHECK(answer.id == 7);
  CHECK(answer.known);
  CHECK(answer.complete);
  REQUIRE(answer.events.size() == 3);
  CHECK(answer.events[0].seq == 2);
  CHECK(answer.events[2].kind() == actors::event_kind::fragment_ended);

  // Garbage is dropped; the socket keeps answering.
  dealer.send(zmq::str_buffer("replay"), zmq::send_flags::sndmore);
  dealer.send(zmq::str_buffer("\xc1\xff not msgpack"), zmq::send_flags::none);
  dealer.send(zmq::str_buffer("nonsense"), zmq::send_flags::none);

  auto unknown = ask_replay(dealer, replay_request(8, {"other", 0, 0}, 0));
  CHECK(unknown.id == 8);
  CHECK_FALSE(unknown.known);
  CHECK_FALSE(unknown.complete);
  CHECK(unknown.events.empty());
}

TEST_CASE("a running attempt replays as incomplete") {
  zmq::context_t context;
  auto publisher = start_publisher(context);
  auto sub = subscribed(context, *publisher);
  const actors::attempt_key running{"prompt-2", 1, 0};
  publisher->publish(running, actors::fragment_started{});
  publisher->publish(running, actors::node_started{"1", "1", "", "1"});
  for (int i = 0; i < 2; ++i) {
    REQUIRE(receive_event(sub, 5000));
  }
  zmq::socket_t dealer{context, zmq::socket_type::dealer};
  dealer.connect(publisher->replay_endpoint());
  auto answer = ask_replay(dealer, replay_request(1, running, 0));
  CHECK(answer.known);
  CHECK_FALSE(answer.complete);
  CHECK(answer.events.size() == 2);
}

TEST_CASE("a replay asked right after a burst answers every event published before it") {
  // The executor reports a fragment done as soon as its last event is queued;
  // the socket thread may still be publishing the burst when the replay that
  // follows the coordinator's prompt_finished arrives.
  zmq::context_t context;
  auto publisher = start_publisher(context);
  zmq::socket_t dealer{context, zmq::socket_type::dealer};
  dealer.connect(publisher->replay_endpoint());
  REQUIRE_FALSE(ask_replay(dealer, replay_request(1, {"warm-up", 0, 0}, 0)).known);

  const actors::attempt_key burst{"prompt-3", 0, 0};
  constexpr std::uint64_t progress_events = 20000;
  publisher->publish(burst, actors::fragment_started{});
  for (std::uint64_t i = 0; i < progress_events; ++i) {
    publisher->publish(
        burst, actors::node_progress{"1", static_cast<double>(i), progress_events});
  }
  auto last = publisher->publish(burst, actors::fragment_ended{});

  auto answer = ask_replay(dealer, replay_request(2, burst, 0));
  CHECK(answer.known);
  CHECK(answer.complete);
  REQUIRE(answer.events.size() == last + 1);
  CHECK(answer.events.back().seq == last);
}

}  // namespace
}  // namespace drover::worker
