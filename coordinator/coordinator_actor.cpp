#include "coordinator/coordinator_actor.hpp"

#include <algorithm>
#include <map>
#include <unordered_set>

#include <caf/all.hpp>

#include "actors/clock.hpp"
#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "coordinator/history_record.hpp"
#include "coordinator/prompt_store.hpp"
#include "coordinator/python_value.hpp"

namespace drover::coordinator {

namespace {

using namespace drover::actors;

using dispatch_atom = caf::atom_constant<caf::atom("dispatch")>;

struct worker_entry {
  caf::actor handle;
  worker_hello hello;
  std::unordered_set<std::string> classes;
  std::uint32_t busy = 0;
};

/// Where an attempt runs.
struct placement {
  std::string worker_id;
  std::uint32_t attempt = 0;
};

bool runs_before(const queued_prompt& a, const queued_prompt& b) {
  if (a.requeued != b.requeued) {
    return a.requeued;
  }
  if (a.number != b.number) {
    return a.number < b.number;
  }
  return a.seq < b.seq;
}

class coordinator_actor : public caf::event_based_actor {
 public:
  coordinator_actor(caf::actor_config& cfg, coordinator_setup setup)
      : caf::event_based_actor(cfg),
        setup_(std::move(setup)),
        log_(logger("coordinator")) {}

  caf::behavior make_behavior() override;

 private:
  void load();
  worker_welcome on_worker_hello(const worker_hello& hello);
  farm_snapshot on_gateway_hello();
  submit_reply on_submit(const submit_prompt& request);
  submit_reply guarded_submit(const submit_prompt& request);
  void on_fragment_done(const fragment_done& done);
  void on_down(const caf::down_msg& msg);
  std::string on_queue_edit(const queue_edit& edit);
  std::string on_history_edit(const history_edit& edit);
  std::string on_interrupt(const interrupt_prompt& request);
  std::string queue_json() const;
  std::string farm_json() const;
  std::string history_json(const history_query& query);

  void drop_worker(const std::string& worker_id, const char* reason);
  void dispatch();
  bool can_run(const worker_entry& w, const queued_prompt& p) const;
  queued_prompt* find_queued(const std::string& prompt_id);
  template <class Fact>
  void tell_gateways(const Fact& fact);

  coordinator_setup setup_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<queued_prompt> queue_;  ///< pending and running, in dispatch order
  std::map<std::string, placement> running_;
  std::map<std::string, worker_entry> workers_;
  std::map<caf::actor_addr, std::string> worker_ids_;
  std::map<caf::actor_addr, caf::actor> gateways_;
  json catalog_ = json::object();
};

caf::behavior coordinator_actor::make_behavior() {
  load();
  set_down_handler([this](caf::down_msg& msg) { on_down(msg); });
  set_default_handler(
      [this](caf::scheduled_actor*, caf::message_view& x) -> caf::result<caf::message> {
        log_->warn("unexpected message dropped content={}", caf::to_string(x.content()));
        return caf::sec::unexpected_message;
      });
  return {
      [this](const worker_hello& hello) { return on_worker_hello(hello); },
      [this](const gateway_hello&) { return on_gateway_hello(); },
      [this](const submit_prompt& request) {
        // The reply goes out before queue_changed, and only after the commit.
        auto promise = make_response_promise();
        auto reply = guarded_submit(request);
        bool accepted = reply.accepted;
        promise.deliver(std::move(reply));
        if (accepted) {
          tell_gateways(queue_changed{queue_.size()});
          dispatch();
        }
      },
      [this](dispatch_atom) { dispatch(); },
      [this](const fragment_done& done) {
        try {
          on_fragment_done(done);
        } catch (const std::exception& ex) {
          log_->error("fragment_done failed prompt_id={} error={}", done.prompt_id,
                      ex.what());
        }
      },
      [this](const history_query& query) { return history_json(query); },
      [this](const queue_query&) { return queue_json(); },
      [this](const catalog_query&) { return catalog_.dump(); },
      [this](const farm_query&) { return farm_json(); },
      [this](const queue_edit& edit) { return on_queue_edit(edit); },
      [this](const history_edit& edit) { return on_history_edit(edit); },
      [this](const interrupt_prompt& request) { return on_interrupt(request); },
  };
}

void coordinator_actor::load() {
  if (auto rows = setup_.store->load_queue()) {
    queue_ = std::move(rows.value());
  } else {
    log_->error("queue not loaded error={}", describe(rows.error()));
  }
  if (auto catalogs = setup_.store->load_catalogs()) {
    catalog_ = std::move(catalogs.value());
  } else {
    log_->error("catalog not loaded error={}", describe(catalogs.error()));
  }
  log_->info("coordinator started queued={} classes={}", queue_.size(), catalog_.size());
}

worker_welcome coordinator_actor::on_worker_hello(const worker_hello& hello) {
  auto sender = caf::actor_cast<caf::actor>(current_sender());
  if (auto old = workers_.find(hello.worker_id);
      old != workers_.end() && old->second.handle != sender) {
    drop_worker(hello.worker_id, "replaced by a new connection");
  }

  worker_entry entry;
  entry.handle = sender;
  entry.hello = hello;
  auto catalog = json::parse(hello.catalog_json, nullptr, false);
  if (catalog.is_object()) {
    for (auto& [name, info] : catalog.items()) {
      entry.classes.insert(name);
      catalog_[name] = info;
    }
    if (auto saved = setup_.store->save_catalog(hello.worker_id, catalog); !saved) {
      log_->error("catalog not saved worker_id={} error={}", hello.worker_id,
                  describe(saved.error()));
    }
  } else {
    log_->warn("worker catalog is not a JSON object worker_id={}", hello.worker_id);
  }
  if (sender) {
    monitor(sender);
    worker_ids_[sender.address()] = hello.worker_id;
  }
  workers_[hello.worker_id] = std::move(entry);
  log_->info("worker joined worker_id={} name={} host={} slots={} classes={}",
             hello.worker_id, hello.name, hello.host, hello.slots,
             workers_[hello.worker_id].classes.size());
  tell_gateways(
      worker_joined{{hello.worker_id, hello.events_endpoint, hello.replay_endpoint}});
  // The welcome is this handler's reply; run_fragment must not overtake it.
  send(caf::actor_cast<caf::actor>(this), dispatch_atom::value);
  return worker_welcome{setup_.coordinator_id, setup_.store_port};
}

farm_snapshot coordinator_actor::on_gateway_hello() {
  auto sender = caf::actor_cast<caf::actor>(current_sender());
  if (sender) {
    monitor(sender);
    gateways_[sender.address()] = sender;
  }
  farm_snapshot snapshot{setup_.coordinator_id, setup_.store_port, queue_.size(), {}};
  for (const auto& [id, w] : workers_) {
    snapshot.workers.push_back({id, w.hello.events_endpoint, w.hello.replay_endpoint});
  }
  log_->info("gateway joined gateways={}", gateways_.size());
  return snapshot;
}

submit_reply coordinator_actor::on_submit(const submit_prompt& request) {
  submit_reply reply;
  reply.prompt_id = request.prompt_id;
  auto reject = [&](prompt_rejection r) {
    reply.rejection_json = r.to_json().dump();
    log_->info("prompt refused prompt_id={} type={}", request.prompt_id, r.type);
    return reply;
  };

  // ComfyUI takes the counter before validating, so refused prompts use numbers.
  queued_prompt p;
  if (request.has_number) {
    p.number = request.number;
    p.number_json = python_repr(json(request.number));
  } else {
    auto counter = setup_.store->take_counter();
    p.counter = counter;
    p.number = static_cast<double>(request.front ? -counter : counter);
    p.number_json = std::to_string(request.front ? -counter : counter);
  }

  auto prompt = json::parse(request.prompt_json, nullptr, false);
  auto extra = json::parse(request.extra_data_json, nullptr, false);
  if (prompt.is_discarded() || !extra.is_object()) {
    return reject({"invalid_prompt", "Malformed prompt or extra_data", "", json::object(),
                   json::object()});
  }
  if (find_queued(request.prompt_id)) {
    return reject({"invalid_prompt", "A prompt with this prompt_id is already queued",
                   request.prompt_id, json::object(), json::object()});
  }
  validation_context context{&catalog_, setup_.file_exists};
  std::optional<std::vector<std::string>> targets;
  if (request.has_targets) {
    targets = request.targets;
  }
  auto validated = validate_prompt(prompt, context, targets);
  if (!validated) {
    return reject(validated.error());
  }

  p.prompt_id = request.prompt_id;
  p.has_client_id = request.has_client_id;
  p.client_id = request.client_id;
  p.prompt = std::move(validated.value().prompt);
  extra["create_time"] = epoch_ms();
  p.extra_data = std::move(extra);
  p.outputs = validated.value().outputs;
  p.sensitive_json = request.sensitive_json.empty() ? "{}" : request.sensitive_json;
  if (auto committed = setup_.store->enqueue(p); !committed) {
    log_->error("prompt not committed prompt_id={} error={}", p.prompt_id,
                describe(committed.error()));
    return reject({"server_error", "The prompt could not be stored", "", json::object(),
                   json::object()});
  }

  reply.accepted = true;
  reply.number_json = p.number_json;
  reply.node_errors_json = validated.value().node_errors.dump();
  log_->info("prompt queued prompt_id={} number={} outputs={}", p.prompt_id,
             p.number_json, p.outputs.size());
  queue_.insert(std::upper_bound(queue_.begin(), queue_.end(), p, runs_before),
                std::move(p));
  return reply;
}

/// A JSON surprise in a peer's payload must not take the actor down.
submit_reply coordinator_actor::guarded_submit(const submit_prompt& request) {
  try {
    return on_submit(request);
  } catch (const std::exception& ex) {
    log_->error("prompt refused prompt_id={} error={}", request.prompt_id, ex.what());
    submit_reply reply;
    reply.prompt_id = request.prompt_id;
    reply.rejection_json = prompt_rejection{"invalid_prompt", "Prompt could not be read",
                                            ex.what(), json::object(), json::object()}
                               .to_json()
                               .dump(-1, ' ', false, json::error_handler_t::replace);
    return reply;
  }
}

bool coordinator_actor::can_run(const worker_entry& w, const queued_prompt& p) const {
  if (w.busy >= std::max<std::uint32_t>(w.hello.slots, 1)) {
    return false;
  }
  for (const auto& [id, node] : p.prompt.items()) {
    const auto& type = node["class_type"];
    if (!type.is_string() || w.classes.count(type.get<std::string>()) == 0) {
      return false;
    }
  }
  return true;
}

/// Places pending prompts, lowest number first, each on a free worker whose
/// catalog has every class of the prompt. The whole prompt is fragment 0.
void coordinator_actor::dispatch() {
  // TODO(#5): split prompts into fragments across workers; one fragment now.
  for (auto& p : queue_) {
    if (p.running) {
      continue;
    }
    auto w = std::find_if(workers_.begin(), workers_.end(),
                          [&](const auto& kv) { return can_run(kv.second, p); });
    if (w == workers_.end()) {
      continue;
    }
    auto& worker = w->second;
    p.running = true;
    if (auto saved = setup_.store->mark(p); !saved) {
      log_->error("running state not saved prompt_id={} error={}", p.prompt_id,
                  describe(saved.error()));
    }
    ++worker.busy;
    running_[p.prompt_id] = {w->first, p.attempt};

    // The plan reaches gateways before the worker starts publishing.
    tell_gateways(prompt_planned{p.prompt_id,
                                 p.has_client_id,
                                 p.client_id,
                                 queue_.size(),
                                 {{0, p.attempt, w->first}}});
    send(worker.handle, run_fragment{p.prompt_id, 0, p.attempt, p.prompt.dump(),
                                     p.extra_data.dump(), p.sensitive_json, p.outputs});
    log_->info("prompt dispatched prompt_id={} worker_id={} attempt={}", p.prompt_id,
               w->first, p.attempt);
  }
}

void coordinator_actor::on_fragment_done(const fragment_done& done) {
  auto run = running_.find(done.prompt_id);
  auto* p = find_queued(done.prompt_id);
  if (run == running_.end() || !p || done.fragment != 0 ||
      done.attempt != run->second.attempt) {
    log_->warn("stale fragment_done ignored prompt_id={} fragment={} attempt={}",
               done.prompt_id, done.fragment, done.attempt);
    return;
  }
  auto worker_id = run->second.worker_id;
  auto terminal = terminal_of(done.prompt_id, done);
  auto entry = history_entry(*p, done, terminal);
  if (auto saved = setup_.store->complete(p->prompt_id, p->counter, entry); !saved) {
    log_->error("history not written prompt_id={} error={}", p->prompt_id,
                describe(saved.error()));
  }

  prompt_finished finished{p->prompt_id,
                           p->has_client_id,
                           p->client_id,
                           0,
                           terminal.type,
                           terminal.data.dump(),
                           {{0, done.attempt, worker_id, done.last_seq}}};
  running_.erase(run);
  queue_.erase(queue_.begin() + (p - queue_.data()));
  if (auto w = workers_.find(worker_id); w != workers_.end() && w->second.busy > 0) {
    --w->second.busy;
  }
  finished.queue_remaining = queue_.size();
  log_->info("prompt finished prompt_id={} outcome={} worker_id={}", done.prompt_id,
             terminal.type, worker_id);
  tell_gateways(finished);
  dispatch();
}

void coordinator_actor::on_down(const caf::down_msg& msg) {
  if (auto id = worker_ids_.find(msg.source); id != worker_ids_.end()) {
    auto worker_id = id->second;
    worker_ids_.erase(id);
    auto w = workers_.find(worker_id);
    if (w != workers_.end() && w->second.handle.address() == msg.source) {
      drop_worker(worker_id, "down");
    }
    return;
  }
  if (gateways_.erase(msg.source) > 0) {
    log_->info("gateway left gateways={}", gateways_.size());
  }
}

/// Forgets a worker; each attempt it was running goes back to the front of
/// the queue with the next attempt number.
void coordinator_actor::drop_worker(const std::string& worker_id, const char* reason) {
  for (auto it = running_.begin(); it != running_.end();) {
    if (it->second.worker_id != worker_id) {
      ++it;
      continue;
    }
    if (auto* p = find_queued(it->first)) {
      p->running = false;
      p->requeued = true;
      ++p->attempt;
      if (auto saved = setup_.store->mark(*p); !saved) {
        log_->error("requeue not saved prompt_id={} error={}", p->prompt_id,
                    describe(saved.error()));
      }
      log_->warn("prompt requeued prompt_id={} worker_id={} attempt={}", p->prompt_id,
                 worker_id, p->attempt);
    }
    it = running_.erase(it);
  }
  std::stable_sort(queue_.begin(), queue_.end(), runs_before);
  workers_.erase(worker_id);
  log_->warn("worker left worker_id={} reason={}", worker_id, reason);
  tell_gateways(worker_left{worker_id});
  dispatch();
}

std::string coordinator_actor::on_queue_edit(const queue_edit& edit) {
  if (auto removed = setup_.store->remove_pending(edit.delete_ids, edit.clear);
      !removed) {
    log_->error("queue edit not saved error={}", describe(removed.error()));
    return "{}";
  }
  auto before = queue_.size();
  queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                              [&](const queued_prompt& p) {
                                return !p.running &&
                                       (edit.clear ||
                                        std::count(edit.delete_ids.begin(),
                                                   edit.delete_ids.end(), p.prompt_id));
                              }),
               queue_.end());
  if (queue_.size() != before) {
    log_->info("queue edited removed={}", before - queue_.size());
  }
  tell_gateways(queue_changed{queue_.size()});
  return "{}";
}

std::string coordinator_actor::on_history_edit(const history_edit& edit) {
  if (auto removed = setup_.store->delete_history(edit.delete_ids, edit.clear);
      !removed) {
    log_->error("history edit not saved error={}", describe(removed.error()));
  }
  return "{}";
}

std::string coordinator_actor::on_interrupt(const interrupt_prompt& request) {
  for (const auto& [prompt_id, where] : running_) {
    if (!request.prompt_id.empty() && request.prompt_id != prompt_id) {
      continue;
    }
    if (auto w = workers_.find(where.worker_id); w != workers_.end()) {
      send(w->second.handle, interrupt_prompt{prompt_id});
      log_->info("interrupt forwarded prompt_id={} worker_id={}", prompt_id,
                 where.worker_id);
    }
  }
  return "{}";
}

std::string coordinator_actor::farm_json() const {
  json workers = json::array();
  for (const auto& [id, entry] : workers_) {
    auto device = json::parse(entry.hello.device_json, nullptr, false);
    workers.push_back({{"worker_id", id},
                       {"name", entry.hello.name},
                       {"host", entry.hello.host},
                       {"slots", entry.hello.slots},
                       {"device", device.is_object() ? device : json{}}});
  }
  return workers.dump();
}

std::string coordinator_actor::queue_json() const {
  json running = json::array();
  json pending = json::array();
  for (const auto& p : queue_) {
    (p.running ? running : pending).push_back(p.queue_item());
  }
  json body = json::object();
  body["queue_running"] = std::move(running);
  body["queue_pending"] = std::move(pending);
  return body.dump();
}

std::string coordinator_actor::history_json(const history_query& query) {
  auto found = query.prompt_id.empty()
                   ? setup_.store->history(query.max_items, query.offset)
                   : setup_.store->history_entry(query.prompt_id);
  if (!found) {
    log_->error("history not read error={}", describe(found.error()));
    return "{}";
  }
  return found.value().dump();
}

queued_prompt* coordinator_actor::find_queued(const std::string& prompt_id) {
  auto it = std::find_if(queue_.begin(), queue_.end(), [&](const queued_prompt& p) {
    return p.prompt_id == prompt_id;
  });
  return it == queue_.end() ? nullptr : &*it;
}

template <class Fact>
void coordinator_actor::tell_gateways(const Fact& fact) {
  for (const auto& [addr, gateway] : gateways_) {
    send(gateway, fact);
  }
}

}  // namespace

caf::actor spawn_coordinator(caf::actor_system& system, coordinator_setup setup) {
  return system.spawn<coordinator_actor>(std::move(setup));
}

}  // namespace drover::coordinator
