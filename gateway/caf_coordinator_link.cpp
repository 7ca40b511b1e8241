#include "gateway/caf_coordinator_link.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "actors/actor_system_setup.hpp"
#include "actors/log.hpp"

namespace drover::gateway {

namespace {

constexpr auto retry_interval = std::chrono::milliseconds{250};
constexpr auto request_timeout = std::chrono::seconds{30};

caf::actor_system_config& configured(caf::actor_system_config& cfg) {
  actors::configure_actor_system(cfg);
  return cfg;
}

actors::error from_caf(const caf::error& e) {
  auto code =
      e == caf::sec::request_timeout ? actors::errc::timeout : actors::errc::unavailable;
  return actors::fail(code, "coordinator request failed: " + caf::to_string(e));
}

}  // namespace

struct caf_coordinator_link::state {
  state(actors::endpoint c, std::string id, fact_sink s)
      : coordinator(std::move(c)), gateway_id(std::move(id)), sink(std::move(s)) {}

  void connect_loop();
  void spawn_gateway_actor(caf::actor coordinator_actor);
  void coordinator_down();

  template <class Reply, class Request>
  void ask(Request request, std::function<void(actors::result<Reply>)> done);

  actors::endpoint coordinator;
  std::string gateway_id;
  fact_sink sink;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;

  std::mutex mutex;
  std::condition_variable wake;
  caf::actor current;  ///< the coordinator while connected
  caf::actor gateway_actor;
  bool connected = false;
  bool welcomed_before = false;  ///< a hello was answered on an earlier connection
  bool stopping = false;
  std::thread connector;
};

void caf_coordinator_link::state::connect_loop() {
  auto log = actors::logger("gateway");
  std::size_t failures = 0;
  while (true) {
    {
      std::lock_guard lock{mutex};
      if (stopping) {
        return;
      }
    }
    auto remote = system->middleman().remote_actor(coordinator.host, coordinator.port);
    if (!remote) {
      if (failures++ % 40 == 0) {
        log->warn("coordinator unreachable coordinator={} error={} attempts={}",
                  coordinator.to_string(), caf::to_string(remote.error()), failures);
      }
      std::unique_lock lock{mutex};
      wake.wait_for(lock, retry_interval, [this] { return stopping; });
      continue;
    }
    failures = 0;
    log->info("coordinator connected coordinator={}", coordinator.to_string());
    {
      std::lock_guard lock{mutex};
      current = *remote;
      connected = true;
    }
    spawn_gateway_actor(*remote);

    std::unique_lock lock{mutex};
    wake.wait(lock, [this] { return stopping || !connected; });
    current = caf::actor{};
    if (stopping) {
      return;
    }
    log->warn("coordinator down, reconnecting coordinator={}", coordinator.to_string());
  }
}

void caf_coordinator_link::state::coordinator_down() {
  std::lock_guard lock{mutex};
  connected = false;
  wake.notify_all();
}

// After a reconnect the hello says `resuming`, and the coordinator repeats
// what the gateway may have missed (docs/actors.md §3).
void caf_coordinator_link::state::spawn_gateway_actor(caf::actor coordinator_actor) {
  bool resuming = false;
  {
    std::lock_guard lock{mutex};
    resuming = welcomed_before;
  }
  auto spawned = system->spawn(
      [this, coordinator_actor, resuming](caf::event_based_actor* self) -> caf::behavior {
        self->monitor(coordinator_actor);
        self->set_down_handler([this, self](caf::down_msg&) {
          coordinator_down();
          self->quit();
        });
        actors::gateway_hello hello{gateway_id, "gateway", resuming};
        self->request(coordinator_actor, request_timeout, hello)
            .then(
                [this](actors::farm_snapshot& snapshot) {
                  {
                    std::lock_guard lock{mutex};
                    welcomed_before = true;
                  }
                  sink.on_snapshot(snapshot);
                },
                [this, self](caf::error& e) {
                  actors::logger("gateway")->warn("gateway hello failed error={}",
                                                  caf::to_string(e));
                  coordinator_down();
                  self->quit();
                });
        return {
            [this](actors::queue_changed& fact) { sink.on_queue_changed(fact); },
            [this](actors::prompt_planned& fact) { sink.on_planned(fact); },
            [this](actors::prompt_finished& fact) { sink.on_finished(fact); },
            [this](actors::worker_joined& fact) { sink.on_worker_joined(fact); },
            [this](actors::worker_left& fact) { sink.on_worker_left(fact); },
        };
      });
  std::lock_guard lock{mutex};
  gateway_actor = spawned;
}

template <class Reply, class Request>
void caf_coordinator_link::state::ask(Request request,
                                      std::function<void(actors::result<Reply>)> done) {
  caf::actor target;
  {
    std::lock_guard lock{mutex};
    target = current;
  }
  if (!target || !system) {
    done(actors::fail(actors::errc::unavailable, "coordinator not connected"));
    return;
  }
  system->spawn([target, request = std::move(request),
                 done = std::move(done)](caf::event_based_actor* self) {
    self->request(target, request_timeout, request)
        .then([done](Reply& reply) { done(std::move(reply)); },
              [done](caf::error& e) { done(from_caf(e)); });
  });
}

caf_coordinator_link::caf_coordinator_link(actors::endpoint coordinator,
                                           std::string gateway_id, fact_sink sink)
    : state_(std::make_unique<state>(std::move(coordinator), std::move(gateway_id),
                                     std::move(sink))) {}

caf_coordinator_link::~caf_coordinator_link() {
  stop();
}

void caf_coordinator_link::start() {
  auto& s = *state_;
  s.system = std::make_unique<caf::actor_system>(configured(s.cfg));
  s.connector = std::thread{[&s] {
    s.connect_loop();
  }};
}

void caf_coordinator_link::stop() {
  auto& s = *state_;
  {
    std::lock_guard lock{s.mutex};
    if (s.stopping) {
      return;
    }
    s.stopping = true;
    s.wake.notify_all();
  }
  if (s.connector.joinable()) {
    s.connector.join();
  }
  if (s.system) {
    if (s.gateway_actor) {
      caf::anon_send_exit(s.gateway_actor, caf::exit_reason::user_shutdown);
    }
    // Requests still in flight would hold shutdown up to their timeout; the
    // HTTP server is already stopped, so nobody waits for their answers.
    s.system->await_actors_before_shutdown(false);
    s.system.reset();
  }
}

void caf_coordinator_link::submit(actors::submit_prompt request, submit_callback done) {
  state_->ask<actors::submit_reply>(std::move(request), std::move(done));
}

void caf_coordinator_link::history(actors::history_query query, text_callback done) {
  state_->ask<std::string>(std::move(query), std::move(done));
}

void caf_coordinator_link::queue(text_callback done) {
  state_->ask<std::string>(actors::queue_query{}, std::move(done));
}

void caf_coordinator_link::catalog(text_callback done) {
  state_->ask<std::string>(actors::catalog_query{}, std::move(done));
}

void caf_coordinator_link::farm(text_callback done) {
  state_->ask<std::string>(actors::farm_query{}, std::move(done));
}

void caf_coordinator_link::status(text_callback done) {
  state_->ask<std::string>(actors::farm_status_query{}, std::move(done));
}

void caf_coordinator_link::edit_queue(actors::queue_edit edit, text_callback done) {
  state_->ask<std::string>(std::move(edit), std::move(done));
}

void caf_coordinator_link::edit_history(actors::history_edit edit, text_callback done) {
  state_->ask<std::string>(std::move(edit), std::move(done));
}

void caf_coordinator_link::interrupt(actors::interrupt_prompt request,
                                     text_callback done) {
  state_->ask<std::string>(std::move(request), std::move(done));
}

void caf_coordinator_link::free(actors::free_memory request, text_callback done) {
  state_->ask<std::string>(request, std::move(done));
}

}  // namespace drover::gateway
