#include "worker/event_publisher.hpp"

#include <atomic>
#include <chrono>
#include <cstring>
#include <iterator>
#include <vector>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "actors/event_codec.hpp"
#include "actors/log.hpp"
#include "actors/msgpack_json.hpp"
#include "actors/msgpack_reader.hpp"
#include "worker/event_archive.hpp"
#include "worker/executor.hpp"

namespace drover::worker {

namespace {

std::atomic<std::uint64_t> publisher_count{0};

/// What the socket thread needs to archive an event without decoding it;
/// crosses the inproc PAIR as raw bytes within this process.
struct archive_meta {
  std::uint32_t fragment;
  std::uint32_t attempt;
  std::uint64_t seq;
  bool last;
};

/// A replay request header (docs/events.md §3).
struct replay_request {
  std::uint64_t id = 0;
  actors::attempt_key key;
  std::uint64_t from = 0;
};

actors::result<replay_request> parse_replay(const std::vector<zmq::message_t>& frames) {
  // [identity, "replay", header]
  if (frames.size() != 3 || frames[1].to_string_view() != "replay") {
    return actors::fail(actors::errc::protocol,
                        "replay request is not [\"replay\", header]");
  }
  msgpack::object_handle handle;
  try {
    handle = msgpack::unpack(static_cast<const char*>(frames[2].data()), frames[2].size(),
                             nullptr, nullptr, actors::peer_unpack_limit());
  } catch (const std::exception& e) {
    return actors::fail(actors::errc::protocol,
                        std::string{"undecodable header: "} + e.what());
  }
  DROVER_TRY(header, actors::msgpack_reader::of(handle.get()));
  replay_request r;
  DROVER_TRY(id, header.unsigned_integer("id"));
  DROVER_TRY(prompt_id, header.string("prompt_id"));
  DROVER_TRY(fragment, header.unsigned_integer("fragment"));
  DROVER_TRY(attempt, header.unsigned_integer("attempt"));
  DROVER_TRY(from, header.unsigned_integer("from"));
  if (fragment > UINT32_MAX || attempt > UINT32_MAX) {
    return actors::fail(actors::errc::protocol, "fragment or attempt out of range");
  }
  r.id = id;
  r.key = {prompt_id, static_cast<std::uint32_t>(fragment),
           static_cast<std::uint32_t>(attempt)};
  r.from = from;
  return r;
}

std::string replay_header(std::uint64_t id, bool known, bool complete) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> out{buffer};
  out.pack_map(3);
  actors::pack_string(out, "id");
  out.pack_uint64(id);
  actors::pack_string(out, "known");
  out.pack(known);
  actors::pack_string(out, "complete");
  out.pack(complete);
  return {buffer.data(), buffer.size()};
}

}  // namespace

struct event_publisher::sockets {
  zmq::socket_t pub;
  zmq::socket_t router;
  zmq::socket_t intake;
  std::unique_ptr<event_spill> spill;
  event_archive archive;

  sockets(zmq::context_t& c, const options& opts, std::unique_ptr<event_spill> s)
      : pub(c, zmq::socket_type::pub),
        router(c, zmq::socket_type::router),
        intake(c, zmq::socket_type::pair),
        spill(std::move(s)),
        archive(opts.retained_attempts, opts.retained_bytes, spill.get()) {}

  /// Publishes and archives every event queued on the intake, without
  /// waiting. False once the stop message is read.
  bool publish_queued();
  /// Answers one replay request from the archive.
  void answer_replay();
};

bool event_publisher::sockets::publish_queued() {
  std::vector<zmq::message_t> frames;
  for (;;) {
    frames.clear();
    if (!zmq::recv_multipart(intake, std::back_inserter(frames),
                             zmq::recv_flags::dontwait)) {
      return true;
    }
    if (frames.empty() || frames[0].to_string_view() == "stop") {
      return false;
    }
    // ["event", topic, encoded, meta]: publish, then keep for replays.
    archive_meta m{};
    if (frames.size() != 4 || frames[3].size() != sizeof m) {
      actors::logger("worker")->error("event intake malformed frames={}", frames.size());
      continue;
    }
    std::memcpy(&m, frames[3].data(), sizeof m);
    auto topic = frames[1].to_string();
    pub.send(zmq::buffer(topic), zmq::send_flags::sndmore);
    pub.send(zmq::buffer(frames[2].data(), frames[2].size()), zmq::send_flags::none);
    archive.add({std::move(topic), m.fragment, m.attempt}, m.seq, frames[2].to_string(),
                m.last);
  }
}

void event_publisher::sockets::answer_replay() {
  std::vector<zmq::message_t> frames;
  if (!zmq::recv_multipart(router, std::back_inserter(frames),
                           zmq::recv_flags::dontwait)) {
    return;
  }
  auto request = parse_replay(frames);
  if (!request) {
    actors::logger("worker")->warn("replay request dropped error={}",
                                   request.error().message);
    return;
  }
  const auto& r = request.value();
  auto held = archive.from(r.key, r.from);
  router.send(zmq::buffer(frames[0].data(), frames[0].size()), zmq::send_flags::sndmore);
  router.send(zmq::str_buffer("events"), zmq::send_flags::sndmore);
  router.send(zmq::buffer(replay_header(r.id, held.known, held.complete)),
              held.events.empty() ? zmq::send_flags::none : zmq::send_flags::sndmore);
  for (std::size_t i = 0; i < held.events.size(); ++i) {
    router.send(zmq::buffer(held.events[i]), i + 1 == held.events.size()
                                                 ? zmq::send_flags::none
                                                 : zmq::send_flags::sndmore);
  }
}

namespace {

/// `tcp://host:PORT` for the PORT of a bound socket's `last_endpoint`.
std::string advertised(const std::string& host, const std::string& bound) {
  return "tcp://" + host + bound.substr(bound.rfind(':'));
}

}  // namespace

event_publisher::event_publisher(zmq::context_t& context) : context_(context) {}

actors::result<std::unique_ptr<event_publisher>> event_publisher::start(
    zmq::context_t& context, options opts) {
  std::unique_ptr<event_publisher> p{new event_publisher{context}};
  std::unique_ptr<event_spill> spill;
  if (!opts.spill_dir.empty()) {
    spill = event_spill::open(opts.spill_dir, opts.spill_bytes);
  }
  try {
    p->sockets_ = std::make_unique<sockets>(context, opts, std::move(spill));
    auto& s = *p->sockets_;
    s.pub.set(zmq::sockopt::sndhwm, 100000);
    s.pub.set(zmq::sockopt::linger, 0);
    s.router.set(zmq::sockopt::linger, 0);
    const auto& bind_host = opts.bind_host.empty() ? opts.host : opts.bind_host;
    auto address = [&bind_host](std::uint16_t port) {
      return "tcp://" + bind_host + ":" + (port == 0 ? "*" : std::to_string(port));
    };
    s.pub.bind(address(opts.events_port));
    s.router.bind(address(opts.replay_port));
    // Peers are told the advertised host with the port bound.
    p->events_endpoint_ = advertised(opts.host, s.pub.get(zmq::sockopt::last_endpoint));
    p->replay_endpoint_ =
        advertised(opts.host, s.router.get(zmq::sockopt::last_endpoint));

    p->inproc_address_ = "inproc://drover-events-" + std::to_string(publisher_count++);
    s.intake.set(zmq::sockopt::rcvhwm, 0);
    s.intake.bind(p->inproc_address_);
    p->feed_ = std::make_unique<zmq::socket_t>(context, zmq::socket_type::pair);
    p->feed_->set(zmq::sockopt::sndhwm, 0);
    p->feed_->connect(p->inproc_address_);
  } catch (const zmq::error_t& e) {
    return actors::fail(actors::errc::io_failure,
                        "cannot bind event sockets on " +
                            (opts.bind_host.empty() ? opts.host : opts.bind_host) + ": " +
                            e.what());
  }
  p->thread_ = std::thread{[raw = p.get(), opts] {
    raw->serve(opts);
  }};
  return p;
}

event_publisher::~event_publisher() {
  if (!thread_.joinable()) {
    return;  // start() failed before the socket thread ran: nothing to stop
  }
  {
    std::lock_guard lock{mutex_};
    try {
      feed_->send(zmq::str_buffer("stop"), zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
      actors::logger("worker")->error("event publisher stop failed error={}", e.what());
    }
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::uint64_t event_publisher::publish(const actors::attempt_key& key,
                                       actors::event_body body) {
  actors::event e{key, 0, now_ms(), std::move(body)};
  const bool last = e.kind() == actors::event_kind::fragment_ended;

  std::lock_guard lock{mutex_};
  auto counter = std::make_tuple(key.prompt_id, key.fragment, key.attempt);
  auto& next = next_seq_[counter];
  e.seq = next++;
  if (last) {
    next_seq_.erase(counter);
  }
  try {
    feed_->send(zmq::str_buffer("event"), zmq::send_flags::sndmore);
    feed_->send(zmq::buffer(event_topic(e)), zmq::send_flags::sndmore);
    feed_->send(zmq::buffer(actors::encode_event(e)), zmq::send_flags::sndmore);
    auto m = archive_meta{key.fragment, key.attempt, e.seq, last};
    feed_->send(zmq::buffer(&m, sizeof m), zmq::send_flags::none);
  } catch (const zmq::error_t& err) {
    actors::logger("worker")->error("event not queued prompt_id={} seq={} error={}",
                                    key.prompt_id, e.seq, err.what());
  }
  return e.seq;
}

void event_publisher::serve(const options&) {
  auto& s = *sockets_;
  zmq::pollitem_t items[] = {{s.intake.handle(), 0, ZMQ_POLLIN, 0},
                             {s.router.handle(), 0, ZMQ_POLLIN, 0}};
  for (;;) {
    try {
      zmq::poll(items, 2, std::chrono::milliseconds{-1});
      // The intake is emptied before any replay is answered. An event is
      // queued there before the executor reports its fragment done, so a
      // request that follows the coordinator's prompt_finished finds every
      // event of the fragment archived, however far this thread lagged.
      if (!s.publish_queued()) {
        return;
      }
      if (items[1].revents & ZMQ_POLLIN) {
        s.answer_replay();
      }
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) {
        return;
      }
      actors::logger("worker")->error("event socket failure error={}", e.what());
    }
  }
}

}  // namespace drover::worker
