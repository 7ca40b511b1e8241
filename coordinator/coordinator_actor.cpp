#include "coordinator/coordinator_actor.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/clock.hpp"
#include "actors/event.hpp"
#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "coordinator/class_costs.hpp"
#include "coordinator/farm_journal.hpp"
#include "coordinator/farm_status.hpp"
#include "coordinator/finish_log.hpp"
#include "coordinator/history_record.hpp"
#include "coordinator/input_files.hpp"
#include "coordinator/prompt_queue.hpp"
#include "coordinator/prompt_store.hpp"
#include "coordinator/python_value.hpp"
#include "coordinator/worker_roster.hpp"

namespace drover::coordinator {

namespace {

using namespace drover::actors;

using dispatch_atom = caf::atom_constant<caf::atom("dispatch")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;

/// A submission waiting for the next group commit.
struct pending_submit {
  queued_prompt prompt;
  prompt_needs needs;
  submit_reply reply;
  caf::response_promise promise;
  bool repeat = false;  ///< repeats the prompt_id of an earlier one of the batch
};

/// A finish whose history row waits for the next group commit; gateways hear
/// of it after that commit.
struct pending_finish {
  finished_row row;
  prompt_finished fact;
};

/// A departure that is no failure: the worker process stopped on purpose.
bool clean_exit(const caf::error& reason) {
  return reason == caf::exit_reason::normal || reason == caf::exit_reason::user_shutdown;
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
  void on_worker_update(const worker_update& update);
  farm_snapshot on_gateway_hello(const gateway_hello& hello);
  void resume_gateway(const caf::actor& gateway);
  void tell_finished(const prompt_finished& finished);
  std::optional<submit_reply> on_submit(const submit_prompt& request,
                                        caf::response_promise& promise);
  std::optional<submit_reply> guarded_submit(const submit_prompt& request,
                                             caf::response_promise& promise);
  void commit_batch();
  void schedule_flush();
  void flush();
  void commit_finishes();
  std::optional<std::string> finishing_number(const std::string& prompt_id) const;
  std::optional<submit_reply> already_accepted(const std::string& prompt_id);
  std::optional<prompt_rejection> unplaceable(const prompt_needs& needs) const;
  void on_fragment_done(const fragment_done& done);
  void on_down(const caf::down_msg& msg);
  std::string on_queue_edit(const queue_edit& edit);
  std::string on_history_edit(const history_edit& edit);
  std::string on_interrupt(const interrupt_prompt& request);
  std::string catalog_json();
  std::string queue_json() const;
  std::string farm_json() const;
  std::string status_json() const;
  std::string history_json(const history_query& query);

  void drop_worker(const std::string& worker_id, const std::string& reason, bool failure);
  void requeue_lost(const std::string& prompt_id, const std::string& worker_id,
                    const std::string& name, const std::string& reason,
                    bool counted = true);
  void abandon(const std::string& prompt_id, const std::string& reason);
  void dispatch();
  void start_attempt(queued_prompt& p, const std::string& worker_id);
  const prompt_needs& needs_for(const queued_prompt& p);
  template <class Fact>
  void tell_gateways(const Fact& fact);

  coordinator_setup setup_;
  std::shared_ptr<spdlog::logger> log_;
  prompt_queue queue_;  ///< pending and running, in dispatch order
  std::map<std::string, running_attempt> running_;
  worker_roster roster_;
  std::map<std::string, caf::actor> handles_;  ///< by worker id
  std::map<caf::actor_addr, std::string> worker_ids_;
  /// The classes of every worker joined now or remembered from before.
  std::map<std::string, std::set<std::string>> known_classes_;
  std::unordered_map<std::string, prompt_needs> needs_;  ///< of queued prompts
  std::vector<pending_submit> batch_;                    ///< validated, not yet committed
  std::unordered_map<std::string, std::size_t> batch_ids_;  ///< first in batch_, by id
  std::vector<pending_finish> finishing_;  ///< finished, history not yet committed
  bool flush_requested_ = false;           ///< a commit_atom waits in the mailbox
  std::map<caf::actor_addr, caf::actor> gateways_;
  farm_journal journal_;
  class_costs costs_;
  finish_log finishes_;
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
      [this](const gateway_hello& hello) { return on_gateway_hello(hello); },
      [this](resume_atom, const caf::actor& gateway) { resume_gateway(gateway); },
      [this](const submit_prompt& request) {
        // An accepted prompt is answered by commit_batch, after its commit.
        auto promise = make_response_promise();
        if (auto now = guarded_submit(request, promise)) {
          promise.deliver(std::move(*now));
        }
      },
      [this](commit_atom) { flush(); },
      [this](dispatch_atom) { dispatch(); },
      [this](const worker_update& update) { on_worker_update(update); },
      [this](const fragment_done& done) {
        try {
          on_fragment_done(done);
        } catch (const std::exception& ex) {
          log_->error("fragment_done failed prompt_id={} error={}", done.prompt_id,
                      ex.what());
        }
      },
      // Reads and edits flush first, so that they see every finish and
      // placement handled before them, committed.
      [this](const history_query& query) {
        flush();
        return history_json(query);
      },
      [this](const queue_query&) {
        flush();
        return queue_json();
      },
      [this](const catalog_query&) { return catalog_json(); },
      [this](const farm_query&) { return farm_json(); },
      [this](const farm_status_query&) {
        flush();
        return status_json();
      },
      [this](const queue_edit& edit) {
        flush();
        return on_queue_edit(edit);
      },
      [this](const history_edit& edit) {
        flush();
        return on_history_edit(edit);
      },
      [this](const interrupt_prompt& request) { return on_interrupt(request); },
      [this](const free_memory& request) {
        for (const auto& [worker_id, handle] : handles_) {
          send(handle, request);
        }
        log_->info("free forwarded workers={} unload_models={} free_memory={}",
                   handles_.size(), request.unload_models, request.free_memory);
        return std::string{"{}"};
      },
  };
}

void coordinator_actor::load() {
  if (auto rows = setup_.store->load_queue()) {
    queue_.assign(std::move(rows.value()));
  } else {
    log_->error("queue not loaded error={}", describe(rows.error()));
  }
  if (auto catalogs = setup_.store->load_catalogs()) {
    catalog_ = std::move(catalogs.value());
  } else {
    log_->error("catalog not loaded error={}", describe(catalogs.error()));
  }
  finishes_.load(*setup_.store, epoch_ms());
  if (auto classes = setup_.store->load_worker_classes()) {
    known_classes_ = std::move(classes.value());
  } else {
    log_->error("worker catalogs not loaded error={}", describe(classes.error()));
  }
  log_->info("coordinator started queued={} classes={} known_workers={} retry_budget={}",
             queue_.size(), catalog_.size(), known_classes_.size(), setup_.retry_budget);
}

/// The loaders' combos list the input folder as it is now: one listing per
/// request, as ComfyUI lists it on every GET /object_info. Validation never
/// reads them (VALIDATE_INPUTS replaces the combo check), so they stay in
/// catalog_ until the next request.
std::string coordinator_actor::catalog_json() {
  if (setup_.list_inputs) {
    auto files = setup_.list_inputs();
    if (!files) {
      log_->warn("input folder not listed error={}", describe(files.error()));
    }
    fill_input_choices(catalog_, files ? files.value() : std::vector<std::string>{},
                       setup_.types);
  }
  return catalog_.dump();
}

worker_welcome coordinator_actor::on_worker_hello(const worker_hello& hello) {
  auto sender = caf::actor_cast<caf::actor>(current_sender());
  if (auto old = handles_.find(hello.worker_id);
      old != handles_.end() && old->second != sender) {
    drop_worker(hello.worker_id, "replaced by a new connection", true);
  }

  auto& record = roster_.join(hello, epoch_ms());
  known_classes_[hello.worker_id] =
      std::set<std::string>(record.classes.begin(), record.classes.end());
  auto catalog = json::parse(hello.catalog_json, nullptr, false);
  if (catalog.is_object()) {
    merge_catalog(catalog_, catalog);
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
  handles_[hello.worker_id] = sender;
  log_->info("worker joined worker_id={} name={} host={} pid={} slots={} classes={}",
             hello.worker_id, hello.name, hello.host, hello.pid, hello.slots,
             record.classes.size());
  tell_gateways(
      worker_joined{{hello.worker_id, hello.events_endpoint, hello.replay_endpoint}});
  // The welcome is this handler's reply; run_fragment must not overtake it.
  send(caf::actor_cast<caf::actor>(this), dispatch_atom::value);
  return worker_welcome{setup_.coordinator_id, setup_.store_port};
}

/// A worker's device, and the classes it offers when its backend came or
/// went: placement sees the new classes at once, /object_info keeps the
/// union of every class seen.
void coordinator_actor::on_worker_update(const worker_update& update) {
  auto* w = roster_.find(update.worker_id);
  if (w == nullptr) {
    return;
  }
  if (!update.device_json.empty()) {
    w->hello.device_json = update.device_json;
  }
  if (!update.models_json.empty()) {
    w->hello.models_json = update.models_json;
  }
  if (update.catalog_json.empty() || update.catalog_json == w->hello.catalog_json) {
    return;
  }
  auto catalog = json::parse(update.catalog_json, nullptr, false);
  if (!catalog.is_object()) {
    log_->warn("worker catalog is not a JSON object worker_id={}", update.worker_id);
    return;
  }
  w = roster_.update_catalog(update.worker_id, update.catalog_json);
  // What a worker offered stays remembered while its backend is away, so
  // that prompts for it wait in the queue instead of being refused.
  auto& known = known_classes_[update.worker_id];
  auto before = known.size();
  known.insert(w->classes.begin(), w->classes.end());
  merge_catalog(catalog_, catalog);
  if (known.size() > before) {
    if (auto saved = setup_.store->save_catalog(update.worker_id, catalog); !saved) {
      log_->error("catalog not saved worker_id={} error={}", update.worker_id,
                  describe(saved.error()));
    }
  }
  log_->info("worker catalog changed worker_id={} classes={}", update.worker_id,
             w->classes.size());
  dispatch();
}

farm_snapshot coordinator_actor::on_gateway_hello(const gateway_hello& hello) {
  auto sender = caf::actor_cast<caf::actor>(current_sender());
  if (sender) {
    monitor(sender);
    gateways_[sender.address()] = sender;
    if (hello.resuming) {
      // After the snapshot, which is this handler's reply.
      send(caf::actor_cast<caf::actor>(this), resume_atom::value, sender);
    }
  }
  farm_snapshot snapshot{setup_.coordinator_id, setup_.store_port, queue_.size(), {}};
  for (const auto& [id, w] : roster_.all()) {
    snapshot.workers.push_back({id, w.hello.events_endpoint, w.hello.replay_endpoint});
  }
  log_->info("gateway joined gateways={}", gateways_.size());
  return snapshot;
}

/// Tells a gateway that reconnected what it may have missed meanwhile: the
/// plan of every running prompt and the recent finishes. It recognises what
/// it already had.
void coordinator_actor::resume_gateway(const caf::actor& gateway) {
  std::size_t plans = 0;
  for (const auto& [prompt_id, where] : running_) {
    const auto* p = queue_.find(prompt_id);
    if (p == nullptr) {
      continue;
    }
    send(gateway, prompt_planned{p->prompt_id,
                                 p->has_client_id,
                                 p->client_id,
                                 queue_.size(),
                                 {{0, where.attempt, where.worker_id}}});
    ++plans;
  }
  auto finishes = finishes_.recent(epoch_ms());
  for (auto& fact : finishes) {
    fact.queue_remaining = queue_.size();
    send(gateway, std::move(fact));
  }
  log_->info("gateway resumed plans={} finishes={}", plans, finishes.size());
}

/// Tells every gateway, and remembers the fact for gateways that resume.
void coordinator_actor::tell_finished(const prompt_finished& finished) {
  finishes_.add(finished, epoch_ms());
  tell_gateways(finished);
}

/// The answer to a prompt id that was accepted before, queued or finished:
/// the same as then, and nothing new is queued (a client's retry).
std::optional<submit_reply> coordinator_actor::already_accepted(
    const std::string& prompt_id) {
  submit_reply reply;
  reply.prompt_id = prompt_id;
  reply.accepted = true;
  reply.node_errors_json = "{}";
  if (const auto* queued = queue_.find(prompt_id)) {
    reply.number_json = queued->number_json;
    return reply;
  }
  if (auto number = finishing_number(prompt_id)) {
    reply.number_json = std::move(*number);
    return reply;
  }
  auto found = setup_.store->history_entry(prompt_id);
  if (!found) {
    log_->error("history not read prompt_id={} error={}", prompt_id,
                describe(found.error()));
    return std::nullopt;
  }
  auto entry = found.value().find(prompt_id);
  if (entry == found.value().end()) {
    return std::nullopt;
  }
  const auto& item = (*entry)["prompt"];
  reply.number_json = item.is_array() && !item.empty() ? item[0].dump() : "0";
  return reply;
}

/// Refuses a prompt that no worker, joined now or remembered, can run whole.
std::optional<prompt_rejection> coordinator_actor::unplaceable(
    const prompt_needs& needs) const {
  auto why = roster_.why_none_can_run(needs, known_classes_);
  if (why.empty()) {
    return std::nullopt;
  }
  auto classes = json::array();
  for (const auto& c : needs.classes) {
    classes.push_back(c);
  }
  return prompt_rejection{
      "prompt_no_worker", "No worker can run this prompt",
      "No worker has every node class and file the prompt uses: " + why,
      json{{"classes", classes}}, json::object()};
}

/// Answers now (refused, or accepted before), or adds the prompt to the batch
/// that the next commit writes and answers (nullopt).
std::optional<submit_reply> coordinator_actor::on_submit(const submit_prompt& request,
                                                         caf::response_promise& promise) {
  if (auto again = already_accepted(request.prompt_id)) {
    log_->info("prompt already accepted prompt_id={} number={}", request.prompt_id,
               again->number_json);
    return again;
  }
  if (auto first = batch_ids_.find(request.prompt_id); first != batch_ids_.end()) {
    auto reply = batch_[first->second].reply;
    reply.node_errors_json = "{}";
    batch_.push_back({{}, {}, std::move(reply), std::move(promise), true});
    return std::nullopt;
  }
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
  validation_context context{&catalog_, setup_.file_exists};
  std::optional<std::vector<std::string>> targets;
  if (request.has_targets) {
    targets = request.targets;
  }
  auto validated = validate_prompt(prompt, context, targets);
  if (!validated) {
    return reject(validated.error());
  }
  auto needs = needs_of(validated.value().prompt);
  if (auto refusal = unplaceable(needs)) {
    return reject(*refusal);
  }

  p.prompt_id = request.prompt_id;
  p.has_client_id = request.has_client_id;
  p.client_id = request.client_id;
  p.prompt = std::move(validated.value().prompt);
  extra["create_time"] = epoch_ms();
  p.extra_data = std::move(extra);
  p.outputs = validated.value().outputs;
  p.sensitive_json = request.sensitive_json.empty() ? "{}" : request.sensitive_json;

  reply.accepted = true;
  reply.number_json = p.number_json;
  reply.node_errors_json = validated.value().node_errors.dump();
  batch_ids_.emplace(request.prompt_id, batch_.size());
  batch_.push_back(
      {std::move(p), std::move(needs), std::move(reply), std::move(promise)});
  schedule_flush();
  return std::nullopt;
}

/// Flushes at once when nothing waits in the mailbox that could join the
/// commit; otherwise a message to self at the back of the mailbox flushes
/// after what waits there, so that it joins the same transaction.
void coordinator_actor::schedule_flush() {
  if (mailbox().empty()) {
    flush();
  } else if (!flush_requested_) {
    flush_requested_ = true;
    send(caf::actor_cast<caf::actor>(this), commit_atom::value);
  }
}

/// Places work on the workers freed since the last flush before waiting for
/// the disk, then commits the finishes and the submissions.
void coordinator_actor::flush() {
  flush_requested_ = false;
  dispatch();
  commit_finishes();
  commit_batch();
}

/// Writes the history rows of every finish since the last commit in one
/// transaction (one fsync), then tells the gateways (docs/actors.md §3: a
/// prompt_finished follows its committed history entry).
void coordinator_actor::commit_finishes() {
  if (finishing_.empty()) {
    return;
  }
  std::vector<finished_row> rows;
  rows.reserve(finishing_.size());
  for (auto& f : finishing_) {
    rows.push_back(std::move(f.row));
  }
  if (auto saved = setup_.store->complete(rows); !saved) {
    log_->error("history not written count={} error={}", rows.size(),
                describe(saved.error()));
  }
  auto finishes = std::move(finishing_);
  finishing_.clear();
  for (const auto& f : finishes) {
    tell_finished(f.fact);
  }
}

/// The number of a finished prompt whose history row is not committed yet.
std::optional<std::string> coordinator_actor::finishing_number(
    const std::string& prompt_id) const {
  for (const auto& f : finishing_) {
    if (f.row.prompt_id == prompt_id) {
      auto item = f.row.entry.find("prompt");
      bool numbered = item != f.row.entry.end() && item->is_array() && !item->empty();
      return numbered ? (*item)[0].dump() : "0";
    }
  }
  return std::nullopt;
}

/// Commits every submission validated since the last commit in one
/// transaction (one fsync), then answers them and queues them.
void coordinator_actor::commit_batch() {
  if (batch_.empty()) {
    return;  // committed already, when the mailbox ran dry
  }
  std::vector<queued_prompt*> rows;
  for (auto& s : batch_) {
    if (!s.repeat) {
      rows.push_back(&s.prompt);
    }
  }
  auto committed = setup_.store->enqueue(rows);
  if (!committed) {
    log_->error("prompts not committed count={} error={}", rows.size(),
                describe(committed.error()));
  }
  for (auto& s : batch_) {
    if (!committed) {
      s.reply.accepted = false;
      s.reply.rejection_json =
          prompt_rejection{"server_error", "The prompt could not be stored", "",
                           json::object(), json::object()}
              .to_json()
              .dump();
    } else if (!s.repeat) {
      auto& p = s.prompt;
      log_->debug("prompt queued prompt_id={} number={} outputs={}", p.prompt_id,
                  p.number_json, p.outputs.size());
      needs_[p.prompt_id] = std::move(s.needs);
      queue_.insert(std::move(p));
    }
    s.promise.deliver(std::move(s.reply));
  }
  bool queued = committed && !rows.empty();
  batch_.clear();
  batch_ids_.clear();
  if (queued) {
    tell_gateways(queue_changed{queue_.size()});
    dispatch();
  }
}

/// A JSON surprise in a peer's payload must not take the actor down.
std::optional<submit_reply> coordinator_actor::guarded_submit(
    const submit_prompt& request, caf::response_promise& promise) {
  try {
    return on_submit(request, promise);
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

const prompt_needs& coordinator_actor::needs_for(const queued_prompt& p) {
  auto it = needs_.find(p.prompt_id);
  if (it == needs_.end()) {
    it = needs_.emplace(p.prompt_id, needs_of(p.prompt)).first;
  }
  return it->second;
}

/// Places pending prompts in ComfyUI's order, each on a free worker that has
/// every class of the prompt and has not lost it before (worker_roster
/// prefers the one whose cache matches). The whole prompt is fragment 0.
/// The running marks of one pass are written in one transaction, before any
/// run_fragment leaves.
void coordinator_actor::dispatch() {
  // TODO(#9): split prompts into fragments across workers; one fragment now.
  std::vector<std::pair<queued_prompt*, std::string>> placed;
  queue_.each_pending_until([&](queued_prompt& p) {
    if (!roster_.any_free()) {
      return false;
    }
    if (auto chosen = roster_.choose(needs_for(p), p.failed_workers)) {
      roster_.start(*chosen, p.prompt_id);
      placed.emplace_back(&p, std::move(*chosen));
    }
    return true;
  });
  if (placed.empty()) {
    return;
  }

  std::vector<const queued_prompt*> marks;
  marks.reserve(placed.size());
  for (auto& [p, worker_id] : placed) {
    queue_.set_running(*p, true);
    marks.push_back(p);
  }
  if (auto saved = setup_.store->mark(marks); !saved) {
    log_->error("running state not saved count={} error={}", marks.size(),
                describe(saved.error()));
  }
  for (auto& [p, worker_id] : placed) {
    start_attempt(*p, worker_id);
  }
}

/// Tells the gateways and the worker of an attempt already marked running.
void coordinator_actor::start_attempt(queued_prompt& p, const std::string& worker_id) {
  running_[p.prompt_id] = {worker_id, p.attempt, epoch_ms(), p.prompt.size()};

  // The plan reaches gateways before the worker starts publishing.
  tell_gateways(prompt_planned{p.prompt_id,
                               p.has_client_id,
                               p.client_id,
                               queue_.size(),
                               {{0, p.attempt, worker_id}}});
  send(handles_[worker_id],
       run_fragment{p.prompt_id, 0, p.attempt, p.prompt.dump(), p.extra_data.dump(),
                    p.sensitive_json, p.outputs});
  log_->debug("prompt dispatched prompt_id={} worker_id={} attempt={}", p.prompt_id,
              worker_id, p.attempt);
}

void coordinator_actor::on_fragment_done(const fragment_done& done) {
  auto run = running_.find(done.prompt_id);
  auto* p = queue_.find(done.prompt_id);
  if (run == running_.end() || !p || done.fragment != 0 ||
      done.attempt != run->second.attempt) {
    log_->warn("stale fragment_done ignored prompt_id={} fragment={} attempt={}",
               done.prompt_id, done.fragment, done.attempt);
    return;
  }
  // The worker is free now; the history row and the gateways wait for the
  // next group commit (flush).
  auto worker_id = run->second.worker_id;
  if (done.outcome == static_cast<std::uint8_t>(fragment_outcome::lost)) {
    roster_.finish(worker_id, p->prompt_id, {});
    running_.erase(run);
    const auto* record = roster_.find(worker_id);
    auto detail = json::parse(done.detail_json, nullptr, false);
    auto reason =
        detail.is_object() && detail.contains("reason") && detail["reason"].is_string()
            ? detail["reason"].get<std::string>()
            : std::string{"its backend went away"};
    // A prompt the backend never took cannot have harmed it.
    bool started = !(detail.is_object() && detail.value("started", true) == false);
    requeue_lost(done.prompt_id, worker_id, record ? record->hello.name : worker_id,
                 reason, started);
    dispatch();
    return;
  }
  roster_.finish(worker_id, p->prompt_id, needs_for(*p).signatures);
  costs_.record_attempt(p->prompt, json::parse(done.node_ms_json, nullptr, false));
  auto terminal = terminal_of(done.prompt_id, done);
  auto entry = take_history_entry(*p, done, terminal);  // p leaves the queue
  prompt_finished finished{p->prompt_id,
                           p->has_client_id,
                           p->client_id,
                           0,
                           terminal.type,
                           terminal.data.dump(),
                           {{0, done.attempt, worker_id, done.last_seq}}};
  auto fact = finished_to_json(finished);
  journal_.add(
      finished_note{epoch_ms(), p->prompt_id, worker_id, done.attempt, terminal.type});
  finishing_.push_back(
      {{p->prompt_id, p->counter, std::move(entry), std::move(fact), epoch_ms()},
       std::move(finished)});
  running_.erase(run);
  needs_.erase(p->prompt_id);
  queue_.erase(done.prompt_id);
  finishing_.back().fact.queue_remaining = queue_.size();
  log_->info("prompt finished prompt_id={} outcome={} worker_id={}", done.prompt_id,
             terminal.type, worker_id);
  schedule_flush();
}

void coordinator_actor::on_down(const caf::down_msg& msg) {
  if (auto id = worker_ids_.find(msg.source); id != worker_ids_.end()) {
    auto worker_id = id->second;
    worker_ids_.erase(id);
    auto w = handles_.find(worker_id);
    if (w != handles_.end() && w->second.address() == msg.source) {
      drop_worker(worker_id, caf::to_string(msg.reason), !clean_exit(msg.reason));
    }
    return;
  }
  if (gateways_.erase(msg.source) > 0) {
    log_->info("gateway left gateways={}", gateways_.size());
  }
}

/// Forgets a worker. Each attempt it was running counts against its prompt's
/// retry budget: the prompt goes back to the front of the queue with the
/// next attempt number, never to this worker again, or fails once the
/// budget is spent.
void coordinator_actor::drop_worker(const std::string& worker_id,
                                    const std::string& reason, bool failure) {
  const auto* record = roster_.find(worker_id);
  auto name = record ? record->hello.name : worker_id;
  std::vector<std::string> lost;
  for (const auto& [prompt_id, where] : running_) {
    if (where.worker_id == worker_id) {
      lost.push_back(prompt_id);
    }
  }
  auto now = epoch_ms();
  if (failure || !lost.empty()) {
    journal_.add(failure_note{now, worker_id, name, "", "worker lost: " + reason});
  }
  for (const auto& prompt_id : lost) {
    running_.erase(prompt_id);
    requeue_lost(prompt_id, worker_id, name, reason);
  }
  roster_.leave(worker_id);
  handles_.erase(worker_id);
  log_->warn("worker left worker_id={} name={} reason={} prompts_lost={}", worker_id,
             name, reason, lost.size());
  tell_gateways(worker_left{worker_id});
  dispatch();
}

/// An attempt of `prompt_id` was lost with its worker (or the worker's
/// backend): the prompt goes back to the front of the queue with the next
/// attempt number. A `counted` loss also counts against the prompt's retry
/// budget: the prompt never goes to this worker again, and fails once the
/// budget is spent.
void coordinator_actor::requeue_lost(const std::string& prompt_id,
                                     const std::string& worker_id,
                                     const std::string& name, const std::string& reason,
                                     bool counted) {
  auto* p = queue_.find(prompt_id);
  if (!p) {
    return;
  }
  journal_.add(
      failure_note{epoch_ms(), worker_id, name, prompt_id, "prompt lost: " + reason});
  if (counted) {
    p->failed_workers.push_back(worker_id);
  }
  if (counted && p->failed_workers.size() >= setup_.retry_budget) {
    abandon(prompt_id, "The prompt was lost with " +
                           std::to_string(p->failed_workers.size()) +
                           " workers, its retry budget; the last, " + name +
                           ", went away (" + reason + "). It is not run again.");
    return;
  }
  queue_.set_running(*p, false);
  p->requeued = true;
  ++p->attempt;
  if (auto saved = setup_.store->mark(*p); !saved) {
    log_->error("requeue not saved prompt_id={} error={}", p->prompt_id,
                describe(saved.error()));
  }
  log_->warn("prompt requeued prompt_id={} worker_id={} attempt={} failed_workers={}",
             p->prompt_id, worker_id, p->attempt, p->failed_workers.size());
  queue_.requeue(prompt_id);
}

/// Ends a queued prompt with an execution_error written to history.
void coordinator_actor::abandon(const std::string& prompt_id, const std::string& reason) {
  auto* p = queue_.find(prompt_id);
  if (!p) {
    return;
  }
  auto terminal = abandoned_terminal(prompt_id, reason, epoch_ms());
  auto entry = abandoned_history_entry(*p, terminal);
  prompt_finished finished{prompt_id, p->has_client_id, p->client_id,
                           0,         terminal.type,    terminal.data.dump(),
                           {}};
  if (auto saved = setup_.store->complete(prompt_id, p->counter, entry,
                                          finished_to_json(finished), epoch_ms());
      !saved) {
    log_->error("history not written prompt_id={} error={}", prompt_id,
                describe(saved.error()));
  }
  journal_.add(finished_note{epoch_ms(), prompt_id, "", p->attempt, terminal.type});
  needs_.erase(prompt_id);
  queue_.erase(prompt_id);
  finished.queue_remaining = queue_.size();
  log_->error("prompt abandoned prompt_id={} reason=\"{}\"", prompt_id, reason);
  tell_finished(finished);
}

std::string coordinator_actor::on_queue_edit(const queue_edit& edit) {
  if (auto removed = setup_.store->remove_pending(edit.delete_ids, edit.clear);
      !removed) {
    log_->error("queue edit not saved error={}", describe(removed.error()));
    return "{}";
  }
  auto count = queue_.erase_if([&](const queued_prompt& p) {
    bool remove =
        !p.running && (edit.clear || std::count(edit.delete_ids.begin(),
                                                edit.delete_ids.end(), p.prompt_id) != 0);
    if (remove) {
      needs_.erase(p.prompt_id);
    }
    return remove;
  });
  if (count > 0) {
    log_->info("queue edited removed={}", count);
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
    if (auto w = handles_.find(where.worker_id); w != handles_.end()) {
      send(w->second, interrupt_prompt{prompt_id});
      log_->info("interrupt forwarded prompt_id={} worker_id={}", prompt_id,
                 where.worker_id);
    }
  }
  return "{}";
}

std::string coordinator_actor::farm_json() const {
  return farm_workers_json(roster_).dump();
}

std::string coordinator_actor::status_json() const {
  farm_view view{setup_.coordinator_id,
                 setup_.retry_budget,
                 queue_.size(),
                 roster_,
                 running_,
                 journal_,
                 costs_};
  return farm_status_json(view, epoch_ms()).dump();
}

std::string coordinator_actor::queue_json() const {
  json running = json::array();
  json pending = json::array();
  queue_.each([&](const queued_prompt& p) {
    (p.running ? running : pending).push_back(p.queue_item());
  });
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
