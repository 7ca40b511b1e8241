#include "gateway/event_intake.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <variant>

#include <msgpack.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "actors/event_codec.hpp"
#include "actors/log.hpp"
#include "actors/msgpack_json.hpp"
#include "actors/msgpack_reader.hpp"

namespace drover::gateway {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr auto replay_timeout = std::chrono::seconds{3};
constexpr const char* wake_address = "inproc://drover-gateway-intake";

struct stop_command {};
struct remove_command {
  std::string worker_id;
};
struct set_command {
  std::vector<actors::worker_endpoints> workers;
};
using command = std::variant<stop_command, actors::worker_endpoints, remove_command,
                             set_command, replay_request>;

struct worker_sockets {
  actors::worker_endpoints endpoints;
  std::unique_ptr<zmq::socket_t> dealer;
};

struct pending_replay {
  actors::attempt_key key;
  clock_type::time_point deadline;
};

std::string replay_header(std::uint64_t id, const replay_request& request) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> out{buffer};
  out.pack_map(5);
  actors::pack_string(out, "id");
  out.pack_uint64(id);
  actors::pack_string(out, "prompt_id");
  actors::pack_string(out, request.key.prompt_id);
  actors::pack_string(out, "fragment");
  out.pack_uint32(request.key.fragment);
  actors::pack_string(out, "attempt");
  out.pack_uint32(request.key.attempt);
  actors::pack_string(out, "from");
  out.pack_uint64(request.from);
  return std::string{buffer.data(), buffer.size()};
}

}  // namespace

struct event_intake::state {
  explicit state(intake_callbacks c) : callbacks(std::move(c)) {}

  void post(command c);
  void run();
  void handle(command& c);
  void read_events();
  void read_replay(worker_sockets& worker);
  void expire_replays();

  intake_callbacks callbacks;
  zmq::context_t context{1};
  std::mutex mutex;
  std::deque<command> commands;
  std::unique_ptr<zmq::socket_t> wake_sender;  ///< guarded by mutex
  std::unique_ptr<zmq::socket_t> wake_receiver;
  std::unique_ptr<zmq::socket_t> sub;
  std::map<std::string, worker_sockets> workers;
  std::map<std::uint64_t, pending_replay> replays;
  std::uint64_t next_replay_id = 1;
  bool running = true;
  std::thread thread;
};

event_intake::event_intake(intake_callbacks callbacks)
    : state_(std::make_unique<state>(std::move(callbacks))) {}

event_intake::~event_intake() {
  stop();
}

void event_intake::start() {
  auto& s = *state_;
  s.wake_receiver = std::make_unique<zmq::socket_t>(s.context, zmq::socket_type::pair);
  s.wake_receiver->bind(wake_address);
  s.wake_sender = std::make_unique<zmq::socket_t>(s.context, zmq::socket_type::pair);
  s.wake_sender->connect(wake_address);
  s.sub = std::make_unique<zmq::socket_t>(s.context, zmq::socket_type::sub);
  s.sub->set(zmq::sockopt::rcvhwm, 100000);
  s.sub->set(zmq::sockopt::linger, 0);
  s.sub->set(zmq::sockopt::subscribe, "");
  s.thread = std::thread{[&s] {
    s.run();
  }};
}

void event_intake::stop() {
  auto& s = *state_;
  if (!s.thread.joinable()) {
    return;
  }
  s.post(stop_command{});
  s.thread.join();
  s.workers.clear();
  s.sub.reset();
  {
    std::lock_guard lock{s.mutex};
    s.wake_sender.reset();
  }
  s.wake_receiver.reset();
}

void event_intake::add_worker(const actors::worker_endpoints& worker) {
  state_->post(worker);
}

void event_intake::remove_worker(const std::string& worker_id) {
  state_->post(remove_command{worker_id});
}

void event_intake::set_workers(const std::vector<actors::worker_endpoints>& workers) {
  state_->post(set_command{workers});
}

void event_intake::request_replay(const replay_request& request) {
  state_->post(request);
}

void event_intake::state::post(command c) {
  std::lock_guard lock{mutex};
  if (!wake_sender) {
    return;  // not started or already stopped
  }
  commands.push_back(std::move(c));
  // A full pipe already holds a wake-up; losing this one loses nothing.
  (void)wake_sender->send(zmq::str_buffer("w"), zmq::send_flags::dontwait);
}

void event_intake::state::run() {
  while (running) {
    std::vector<zmq::pollitem_t> items{
        {static_cast<void*>(*wake_receiver), 0, ZMQ_POLLIN, 0},
        {static_cast<void*>(*sub), 0, ZMQ_POLLIN, 0}};
    std::vector<worker_sockets*> polled;
    for (auto& [id, worker] : workers) {
      items.push_back({static_cast<void*>(*worker.dealer), 0, ZMQ_POLLIN, 0});
      polled.push_back(&worker);
    }
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds{500});
      if (items[0].revents & ZMQ_POLLIN) {
        zmq::message_t ignored;
        while (wake_receiver->recv(ignored, zmq::recv_flags::dontwait)) {
        }
        std::deque<command> batch;
        {
          std::lock_guard lock{mutex};
          batch.swap(commands);
        }
        for (auto& c : batch) {
          handle(c);
        }
        if (!running) {
          return;
        }
        continue;  // the worker set may have changed: poll afresh
      }
      if (items[1].revents & ZMQ_POLLIN) {
        read_events();
      }
      for (std::size_t i = 0; i < polled.size(); ++i) {
        if (items[i + 2].revents & ZMQ_POLLIN) {
          read_replay(*polled[i]);
        }
      }
    } catch (const zmq::error_t& e) {
      actors::logger("transport")->error("event intake socket error error={}", e.what());
    }
    expire_replays();
  }
}

void event_intake::state::handle(command& c) {
  auto log = actors::logger("gateway");
  if (std::holds_alternative<stop_command>(c)) {
    running = false;
  } else if (auto* worker = std::get_if<actors::worker_endpoints>(&c)) {
    if (auto known = workers.find(worker->worker_id); known != workers.end()) {
      const auto& now = known->second.endpoints;
      if (now.events_endpoint == worker->events_endpoint &&
          now.replay_endpoint == worker->replay_endpoint) {
        return;  // already connected; reconnecting would only lose events
      }
      command old{remove_command{worker->worker_id}};
      handle(old);
    }
    worker_sockets sockets;
    sockets.endpoints = *worker;
    try {
      sub->connect(worker->events_endpoint);
      sockets.dealer = std::make_unique<zmq::socket_t>(context, zmq::socket_type::dealer);
      sockets.dealer->set(zmq::sockopt::linger, 0);
      sockets.dealer->connect(worker->replay_endpoint);
    } catch (const zmq::error_t& e) {
      log->warn("worker endpoints refused worker_id={} events={} replay={} error={}",
                worker->worker_id, worker->events_endpoint, worker->replay_endpoint,
                e.what());
      return;
    }
    log->info("subscribed to worker worker_id={} events={}", worker->worker_id,
              worker->events_endpoint);
    workers[worker->worker_id] = std::move(sockets);
  } else if (auto* remove = std::get_if<remove_command>(&c)) {
    auto it = workers.find(remove->worker_id);
    if (it == workers.end()) {
      return;
    }
    try {
      sub->disconnect(it->second.endpoints.events_endpoint);
    } catch (const zmq::error_t& e) {
      log->debug("disconnect failed worker_id={} error={}", remove->worker_id, e.what());
    }
    workers.erase(it);
  } else if (auto* set = std::get_if<set_command>(&c)) {
    std::vector<std::string> gone;
    for (const auto& [id, sockets] : workers) {
      auto kept = std::find_if(set->workers.begin(), set->workers.end(),
                               [&](const auto& w) { return w.worker_id == id; });
      if (kept == set->workers.end()) {
        gone.push_back(id);
      }
    }
    for (auto& id : gone) {
      command remove_gone{remove_command{id}};
      handle(remove_gone);
    }
    for (auto& worker : set->workers) {
      command add{worker};
      handle(add);
    }
  } else if (auto* request = std::get_if<replay_request>(&c)) {
    auto it = workers.find(request->worker_id);
    if (it == workers.end()) {
      log->warn("replay impossible, worker unknown worker_id={} prompt_id={}",
                request->worker_id, request->key.prompt_id);
      callbacks.on_replay_answered(request->key, false);
      return;
    }
    auto id = next_replay_id++;
    auto header = replay_header(id, *request);
    it->second.dealer->send(zmq::str_buffer("replay"), zmq::send_flags::sndmore);
    it->second.dealer->send(zmq::buffer(header), zmq::send_flags::none);
    replays[id] = pending_replay{request->key, clock_type::now() + replay_timeout};
  }
}

void event_intake::state::read_events() {
  for (int budget = 0; budget < 1000; ++budget) {
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(*sub, std::back_inserter(parts),
                             zmq::recv_flags::dontwait)) {
      return;
    }
    if (parts.size() != 2) {
      actors::logger("transport")
          ->warn("event dropped, wrong frame count parts={}", parts.size());
      continue;
    }
    auto decoded = actors::decode_event(parts[1].data<char>(), parts[1].size());
    if (!decoded) {
      actors::logger("transport")
          ->warn("event dropped, undecodable error={}",
                 actors::describe(decoded.error()));
      continue;
    }
    callbacks.on_event(std::move(decoded).value());
  }
}

void event_intake::state::read_replay(worker_sockets& worker) {
  std::vector<zmq::message_t> parts;
  if (!zmq::recv_multipart(*worker.dealer, std::back_inserter(parts),
                           zmq::recv_flags::dontwait)) {
    return;
  }
  auto log = actors::logger("transport");
  if (parts.size() < 2 || parts[0].to_string_view() != "events") {
    log->warn("replay answer dropped, malformed worker_id={}",
              worker.endpoints.worker_id);
    return;
  }
  std::uint64_t id = 0;
  bool known = false;
  try {
    auto handle = msgpack::unpack(parts[1].data<char>(), parts[1].size(), nullptr,
                                  nullptr, actors::peer_unpack_limit());
    auto fields = actors::msgpack_reader::of(handle.get());
    if (!fields) {
      log->warn("replay answer dropped error={}", actors::describe(fields.error()));
      return;
    }
    auto id_field = fields.value().unsigned_integer("id");
    auto known_field = fields.value().boolean("known");
    if (!id_field || !known_field) {
      log->warn("replay answer dropped, header lacks id or known");
      return;
    }
    id = id_field.value();
    known = known_field.value();
  } catch (const std::exception& e) {
    log->warn("replay answer dropped, undecodable error={}", e.what());
    return;
  }
  auto pending = replays.find(id);
  if (pending == replays.end()) {
    return;  // an answer that arrived after its timeout
  }
  for (std::size_t i = 2; i < parts.size(); ++i) {
    auto decoded = actors::decode_event(parts[i].data<char>(), parts[i].size());
    if (!decoded) {
      log->warn("replayed event dropped error={}", actors::describe(decoded.error()));
      continue;
    }
    callbacks.on_event(std::move(decoded).value());
  }
  auto key = pending->second.key;
  replays.erase(pending);
  callbacks.on_replay_answered(key, known);
}

void event_intake::state::expire_replays() {
  auto now = clock_type::now();
  for (auto it = replays.begin(); it != replays.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    actors::logger("gateway")->warn(
        "replay timed out prompt_id={} fragment={} attempt={}", it->second.key.prompt_id,
        it->second.key.fragment, it->second.key.attempt);
    auto key = it->second.key;
    it = replays.erase(it);
    callbacks.on_replay_answered(key, false);
  }
}

}  // namespace drover::gateway
