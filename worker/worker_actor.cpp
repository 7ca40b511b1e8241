#include "worker/worker_actor.hpp"

#include <chrono>
#include <iostream>

#include <caf/all.hpp>

#include "actors/endpoint.hpp"
#include "actors/log.hpp"
#include "actors/ready_line.hpp"
#include "worker/fragment_target.hpp"

namespace drover::worker {

namespace {

constexpr std::chrono::seconds hello_timeout{10};
constexpr std::chrono::seconds update_interval{5};

using update_atom = caf::atom_constant<caf::atom("update")>;
using catalog_atom = caf::atom_constant<caf::atom("catalog")>;

struct worker_state {
  caf::actor coordinator;
  std::string store_endpoint;
  bool announced = false;
  std::string sent_catalog;  ///< the catalog the coordinator has from us
  std::string sent_models;   ///< the model list the coordinator has from us
};

/// The catalog to announce now.
std::string current_catalog(const worker_link& link) {
  return link.catalog_probe ? link.catalog_probe() : link.hello.catalog_json;
}

/// The model files to announce now.
std::string current_models(const worker_link& link) {
  return link.models_probe ? link.models_probe() : std::string{};
}

void print_ready_line(const worker_link& link) {
  actors::ready_line line{"worker",
                          {{"worker_id", link.hello.worker_id},
                           {"name", link.hello.name},
                           {"events", link.hello.events_endpoint},
                           {"replay", link.hello.replay_endpoint}}};
  std::cout << line.to_string() << std::endl;
}

/// Sends the coordinator this worker's device, and its catalog when that
/// changed since the coordinator last had it.
void send_update(caf::stateful_actor<worker_state>* self, const worker_link& link) {
  if (!self->state.coordinator) {
    return;
  }
  actors::worker_update update{link.hello.worker_id, {}, {}, {}};
  if (link.device_probe) {
    update.device_json = link.device_probe();
  }
  if (auto catalog = current_catalog(link); catalog != self->state.sent_catalog) {
    self->state.sent_catalog = catalog;
    update.catalog_json = std::move(catalog);
  }
  if (auto models = current_models(link); models != self->state.sent_models) {
    self->state.sent_models = models;
    update.models_json = models.empty() ? std::string{"{}"} : std::move(models);
  }
  self->send(self->state.coordinator, std::move(update));
}

caf::behavior worker_behavior(caf::stateful_actor<worker_state>* self,
                              worker_link* link) {
  auto log = actors::logger("worker");
  self->set_default_handler(
      [log](caf::scheduled_actor*, caf::message_view& x) -> caf::result<caf::message> {
        log->warn("unexpected message dropped content={}", x.content().stringify());
        return caf::sec::unexpected_message;
      });
  self->set_down_handler([self, link, log](caf::down_msg& down) {
    if (down.source != self->state.coordinator.address()) {
      return;
    }
    log->warn("coordinator down reason={}", caf::to_string(down.reason));
    self->state.coordinator = caf::actor{};
    link->need_connect = true;
  });

  return {
      [self, link, log](caf::connect_atom, caf::actor coordinator) {
        self->state.coordinator = coordinator;
        self->monitor(coordinator);
        auto hello = link->hello;
        hello.catalog_json = current_catalog(*link);
        self->state.sent_catalog = hello.catalog_json;
        hello.models_json = current_models(*link);
        self->state.sent_models = hello.models_json;
        self->request(coordinator, hello_timeout, std::move(hello))
            .then(
                [self, link, log](actors::worker_welcome& w) {
                  actors::endpoint store{link->coordinator_host, w.store_port};
                  self->state.store_endpoint = store.zmq_address();
                  log->info("worker welcomed coordinator_id={} store={}",
                            w.coordinator_id, self->state.store_endpoint);
                  if (!self->state.announced) {
                    self->state.announced = true;
                    print_ready_line(*link);
                    self->delayed_send(self, update_interval, update_atom::value);
                  } else {
                    // The coordinator requeued whatever ran here when the
                    // link broke: those attempts are void, so free the slot.
                    log->info("attempts of the previous connection interrupted");
                    link->runner->interrupt("");
                  }
                },
                [self, link, log](caf::error& e) {
                  log->warn("worker hello failed error={}", caf::to_string(e));
                  self->state.coordinator = caf::actor{};
                  link->need_connect = true;
                });
      },
      [self, link](update_atom) {
        send_update(self, *link);
        self->delayed_send(self, update_interval, update_atom::value);
      },
      [self, link](catalog_atom) { send_update(self, *link); },
      [self, link](actors::run_fragment& job) {
        link->runner->submit(std::move(job), self->state.store_endpoint);
      },
      [link](const actors::free_memory& request) { link->runner->free(request); },
      [link](const actors::interrupt_prompt& stop) {
        link->runner->interrupt(stop.prompt_id);
      },
      [self, log](actors::fragment_done& done) {
        if (!self->state.coordinator) {
          // The coordinator requeued this attempt when the link broke (or
          // lost it with its own restart): its result is void.
          log->warn("fragment_done lost, coordinator down prompt_id={} attempt={}",
                    done.prompt_id, done.attempt);
          return;
        }
        self->send(self->state.coordinator, std::move(done));
      },
  };
}

}  // namespace

caf::actor spawn_worker_actor(caf::actor_system& system, worker_link& link) {
  return system.spawn(worker_behavior, &link);
}

void notify_catalog_changed(const caf::actor& worker) {
  caf::anon_send(worker, catalog_atom::value);
}

}  // namespace drover::worker
