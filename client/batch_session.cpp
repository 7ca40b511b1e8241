#include "client/batch_session.hpp"

#include <algorithm>
#include <initializer_list>
#include <iostream>
#include <set>

#include "actors/log.hpp"
#include "client/output_download.hpp"

namespace drover::client {

namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::vector<std::string> ids_of(const std::vector<planned_prompt>& batch) {
  std::vector<std::string> ids;
  for (const auto& planned : batch) {
    ids.push_back(planned.prompt_id);
  }
  return ids;
}

/// The farm's reason for refusing a prompt, from a POST /prompt error body.
prompt_failure refusal_details(const http_response& response) {
  prompt_failure failure;
  failure.exception_type = "refused (HTTP " + std::to_string(response.status) + ")";
  auto body = json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    failure.exception_message = response.body.substr(0, 300);
    return failure;
  }
  const auto& error = body.value("error", json::object());
  failure.exception_message =
      error.is_object() ? error.value("message", std::string{}) : error.dump();
  const auto& node_errors = body.value("node_errors", json::object());
  if (node_errors.is_object() && !node_errors.empty()) {
    const auto& first = node_errors.begin();
    failure.node_id = first.key();
    failure.node_type = first.value().value("class_type", std::string{});
    const auto& errors = first.value().value("errors", json::array());
    if (errors.is_array() && !errors.empty() && errors[0].is_object()) {
      failure.exception_message += ": " + errors[0].value("message", std::string{}) +
                                   " " + errors[0].value("details", std::string{});
    }
  }
  return failure;
}

prompt_failure refusal(const http_response& response) {
  // An error body with fields of unexpected types makes nlohmann throw; the
  // status alone is then the reason.
  try {
    return refusal_details(response);
  } catch (const json::exception&) {
    return prompt_failure{{},
                          {},
                          "refused (HTTP " + std::to_string(response.status) + ")",
                          response.body.substr(0, 300)};
  }
}

/// "failed <id>: node <id> (<class>) <type>: <message>".
std::string failure_line(const prompt_status& p) {
  const auto& f = *p.failure;
  return "failed " + p.prompt_id + ": node " + f.node_id + " (" + f.node_type + ") " +
         f.exception_type + ": " + f.exception_message;
}

/// The prompt ids a GET /queue answer lists under `keys`.
std::set<std::string> queue_ids(const json& queue,
                                std::initializer_list<const char*> keys) {
  std::set<std::string> ids;
  if (!queue.is_object()) {
    return ids;
  }
  for (const char* key : keys) {
    const json& items = queue.value(key, json::array());
    for (const auto& item : items.is_array() ? items : json::array()) {
      if (item.is_array() && item.size() > 1 && item[1].is_string()) {
        ids.insert(item[1].get<std::string>());
      }
    }
  }
  return ids;
}

}  // namespace

batch_session::batch_session(session_options options, std::vector<planned_prompt> batch,
                             progress_display& display, std::ostream& report)
    : options_(std::move(options)),
      batch_(std::move(batch)),
      display_(display),
      report_(report),
      follower_(ids_of(batch_)) {}

int batch_session::run() {
  // The socket comes first, so that no message of the batch is missed.
  if (!connect() && !reconnect(options_.give_up_first)) {
    return pending_signal_ != 0 ? exit_interrupted : exit_unreachable;
  }
  if (int code = submit_all(); code != exit_succeeded) {
    return code;
  }
  if (!options_.wait) {
    // With --json the `queued` lines already name them.
    for (const auto& id : options_.json_report ? std::vector<std::string>{} : accepted_) {
      report_ << id << '\n';
    }
    report_.flush();
    // Refused prompts have no id worth printing; stderr says why.
    for (const auto* p : follower_.prompts()) {
      if (p->state == prompt_state::failed && p->failure) {
        std::cerr << failure_line(*p) << '\n';
      }
    }
    return accepted_.size() == batch_.size() ? exit_succeeded : exit_failed;
  }
  // A prompt of a rerun batch may have ended before this run: the farm
  // answered its known id without queueing it again, and only /history
  // tells how it ended.
  resync();
  if (int code = follow(); code != exit_succeeded) {
    return code;
  }
  return summarize();
}

bool batch_session::connect() {
  auto ws = ws_client::connect(options_.address, options_.client_id);
  if (!ws) {
    display_.note("disconnected", actors::describe(ws.error()), clock::now());
    return false;
  }
  ws_.emplace(std::move(ws.value()));
  last_message_ = clock::now();
  return true;
}

bool batch_session::reconnect(milliseconds give_up_after) {
  ws_.reset();
  auto backoff = options_.first_backoff;
  const auto give_up = clock::now() + give_up_after;
  while (clock::now() < give_up) {
    auto left = std::chrono::duration_cast<milliseconds>(give_up - clock::now());
    if (int signal = poll_signal(std::min(backoff, left))) {
      pending_signal_ = signal;  // the caller cancels the batch
      return false;
    }
    backoff = std::min(backoff * 2, options_.max_backoff);
    if (connect()) {
      display_.note("reconnected", "resynchronising from /history and /queue",
                    clock::now());
      resync();
      return true;
    }
  }
  display_.note("unreachable", "gave up on the gateway", clock::now());
  return false;
}

int batch_session::submit_all() {
  for (const auto& planned : batch_) {
    if (int signal = poll_signal(milliseconds{0})) {
      return cancel(signal);
    }
    if (int code = post_prompt(planned); code != exit_succeeded) {
      return code;
    }
    // Keep the socket drained while posting a long batch.
    while (ws_) {
      auto frame = ws_->next(milliseconds{1});
      if (!frame) {
        ws_.reset();  // the follow loop reconnects
        break;
      }
      if (!frame.value()) {
        break;
      }
      handle_frame(*frame.value());
    }
  }
  return exit_succeeded;
}

int batch_session::post_prompt(const planned_prompt& planned) {
  json body = {{"prompt", planned.prompt},
               {"client_id", options_.client_id},
               {"prompt_id", planned.prompt_id}};
  auto backoff = options_.first_backoff;
  const auto give_up = clock::now() + options_.give_up_after;
  while (true) {
    // Posting again after a lost answer is safe: the farm answers a known
    // prompt_id without queueing it twice.
    auto response = http_request(options_.address, "POST", "/prompt", body.dump());
    if (response && response.value().status == 200) {
      accepted_.push_back(planned.prompt_id);
      display_.queued(planned.prompt_id, planned.workflow, clock::now());
      return exit_succeeded;
    }
    if (response) {
      handle(follower_.refuse(planned.prompt_id, refusal(response.value())));
      return exit_succeeded;
    }
    if (clock::now() >= give_up) {
      display_.note("unreachable", actors::describe(response.error()), clock::now());
      return exit_unreachable;
    }
    if (int signal = poll_signal(backoff)) {
      return cancel(signal);
    }
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

int batch_session::follow() {
  while (!follower_.finished()) {
    if (int signal = poll_signal(milliseconds{0})) {
      return cancel(signal);
    }
    if (!ws_ && !reconnect(options_.give_up_after)) {
      return pending_signal_ != 0 ? cancel(pending_signal_) : exit_unreachable;
    }
    auto frame = ws_->next(milliseconds{100});
    if (!frame) {
      display_.note("disconnected", actors::describe(frame.error()), clock::now());
      ws_.reset();
      continue;
    }
    if (frame.value()) {
      handle_frame(*frame.value());
    } else if (clock::now() - last_message_ > options_.quiet_resync) {
      resync();
      last_message_ = clock::now();
    }
    if (clock::now() - last_farm_status_ > options_.farm_status_interval) {
      ask_farm_status();
    }
    display_.tick(follower_, clock::now());
  }
  display_.finish(follower_, clock::now());
  return exit_succeeded;
}

/// Learns which worker runs each prompt. Only a drover gateway answers; a
/// plain ComfyUI server (404) is not asked again.
void batch_session::ask_farm_status() {
  last_farm_status_ = clock::now();
  if (!farm_status_known_ || follower_.count(prompt_state::running) == 0) {
    return;
  }
  auto response = http_request(options_.address, "GET", "/drover/status", {},
                               options_.farm_status_interval);
  if (response && response.value().status == 404) {
    farm_status_known_ = false;
  }
  if (!response || response.value().status != 200) {
    return;
  }
  follower_.feed_farm_status(json::parse(response.value().body, nullptr, false));
}

void batch_session::handle_frame(const ws_frame& frame) {
  // Binary frames carry previews; the batch's state is all in text.
  if (!frame.text) {
    return;
  }
  last_message_ = clock::now();
  handle(follower_.feed_text(frame.data));
}

void batch_session::handle(const std::vector<follow_event>& events) {
  display_.events(follower_, events, clock::now());
  for (const auto& e : events) {
    if (e.what == follow_event::kind::output) {
      download(e.prompt_id, e.output_index);
    } else if (e.what == follow_event::kind::succeeded) {
      // Cached output nodes may have announced nothing: history lists all.
      fetch_history(e.prompt_id);
    }
  }
}

void batch_session::download(const std::string& prompt_id, std::size_t output_index) {
  const auto* p = follower_.status(prompt_id);
  if (p == nullptr || output_index >= p->outputs.size()) {
    return;
  }
  const auto& file = p->outputs[output_index];
  if (file.type != "output") {
    return;  // previews (temp) are not results
  }
  auto saved = download_output(options_.address, prompt_id, file, options_.out_dir);
  if (!saved) {
    // One retry after a pause covers a gateway that is restarting.
    if (int signal = poll_signal(options_.first_backoff)) {
      pending_signal_ = signal;
    }
    saved = download_output(options_.address, prompt_id, file, options_.out_dir);
  }
  if (!saved) {
    download_failures_.push_back({prompt_id, actors::describe(saved.error())});
    display_.note(
        "download_failed",
        prompt_id + " " + file.filename + ": " + actors::describe(saved.error()),
        clock::now());
    return;
  }
  saved_files_.push_back(saved.value());
  display_.saved(prompt_id, saved.value(), clock::now());
}

bool batch_session::fetch_history(const std::string& prompt_id) {
  auto response = http_request(options_.address, "GET", "/history/" + prompt_id);
  if (!response || response.value().status != 200) {
    return false;  // the next quiet resync asks again
  }
  auto answer = json::parse(response.value().body, nullptr, false);
  if (answer.is_discarded()) {
    return false;
  }
  handle(follower_.feed_history(prompt_id, answer));
  return true;
}

void batch_session::resync() {
  std::set<std::string> not_in_history;
  for (const auto& id : unfinished()) {
    const bool answered = fetch_history(id);
    const auto* p = follower_.status(id);
    if (answered && p->state != prompt_state::done && p->state != prompt_state::failed) {
      not_in_history.insert(id);
    }
  }
  auto queue = http_request(options_.address, "GET", "/queue");
  if (!queue || queue.value().status != 200) {
    return;
  }
  auto answer = json::parse(queue.value().body, nullptr, false);
  if (!answer.is_discarded()) {
    handle(follower_.feed_queue(answer));
    fail_lost(not_in_history, answer);
  }
}

void batch_session::fail_lost(const std::set<std::string>& not_in_history,
                              const json& queue) {
  // A prompt in neither the queue nor the history was deleted by someone
  // else (POST /queue) or lost by the farm: it will never end by itself.
  auto listed = queue_ids(queue, {"queue_running", "queue_pending"});
  for (const auto& id : not_in_history) {
    if (listed.count(id) != 0) {
      continue;
    }
    // It may have finished between the two answers: history decides, and
    // only a real answer can say it is not there.
    const bool answered = fetch_history(id);
    const auto* p = follower_.status(id);
    if (answered && p->state != prompt_state::done && p->state != prompt_state::failed) {
      handle(follower_.refuse(
          id,
          prompt_failure{{}, {}, "lost", "in neither the farm's queue nor its history"}));
    }
  }
}

int batch_session::poll_signal(milliseconds wait) {
  if (pending_signal_ != 0) {
    return pending_signal_;
  }
  return options_.wait_signal ? options_.wait_signal(wait) : 0;
}

std::vector<std::string> batch_session::unfinished() const {
  std::vector<std::string> ids;
  for (const auto& id : accepted_) {
    const auto* p = follower_.status(id);
    if (p != nullptr && p->state != prompt_state::done &&
        p->state != prompt_state::failed) {
      ids.push_back(id);
    }
  }
  return ids;
}

int batch_session::cancel(int signal) {
  auto log = actors::logger("cli");
  auto ids = unfinished();
  display_.note("cancelling", std::to_string(ids.size()) + " prompts of this batch",
                clock::now());

  // Pending ones go first, so that none starts after the running ones were
  // interrupted; then every one of ours the queue shows running stops.
  json remove = {{"delete", ids}};
  auto deleted = http_request(options_.address, "POST", "/queue", remove.dump());
  if (!deleted) {
    log->warn("queue delete failed reason=\"{}\"", actors::describe(deleted.error()));
  }
  std::set<std::string> running;
  for (const auto& id : ids) {
    if (follower_.status(id)->state == prompt_state::running) {
      running.insert(id);
    }
  }
  auto queue = http_request(options_.address, "GET", "/queue");
  if (queue && queue.value().status == 200) {
    auto answer = json::parse(queue.value().body, nullptr, false);
    for (const auto& id : queue_ids(answer, {"queue_running"})) {
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
        running.insert(id);
      }
    }
  }
  for (const auto& id : running) {
    json body = {{"prompt_id", id}};
    auto interrupted = http_request(options_.address, "POST", "/interrupt", body.dump());
    if (!interrupted) {
      log->warn("interrupt failed prompt_id={} reason=\"{}\"", id,
                actors::describe(interrupted.error()));
    }
  }
  display_.finish(follower_, clock::now());
  log->info("batch cancelled signal={} deleted={} interrupted={}", signal, ids.size(),
            running.size());
  return exit_interrupted;
}

int batch_session::summarize() {
  const auto done = follower_.count(prompt_state::done);
  const auto failed = follower_.count(prompt_state::failed);
  json failures = json::array();
  for (const auto* p : follower_.prompts()) {
    if (p->state == prompt_state::failed && p->failure) {
      failures.push_back({{"prompt_id", p->prompt_id},
                          {"node_id", p->failure->node_id},
                          {"node_type", p->failure->node_type},
                          {"exception_type", p->failure->exception_type},
                          {"exception_message", p->failure->exception_message}});
    }
  }
  for (const auto& d : download_failures_) {
    failures.push_back({{"prompt_id", d.prompt_id}, {"download", d.message}});
  }

  if (options_.json_report) {
    json summary = {{"event", "summary"},    {"prompts", batch_.size()},
                    {"done", done},          {"failed", failed},
                    {"files", saved_files_}, {"failures", failures}};
    report_ << summary.dump() << '\n';
    report_.flush();
    return failures.empty() ? exit_succeeded : exit_failed;
  }
  report_ << "drover submit: " << batch_.size() << " prompts, " << done << " done, "
          << failed << " failed; " << saved_files_.size() << " files in "
          << options_.out_dir << '\n';
  for (const auto& path : saved_files_) {
    report_ << "  " << path << '\n';
  }
  for (const auto* p : follower_.prompts()) {
    if (p->state == prompt_state::failed && p->failure) {
      report_ << failure_line(*p) << '\n';
    }
  }
  for (const auto& d : download_failures_) {
    report_ << "not saved " << d.prompt_id << ": " << d.message << '\n';
  }
  report_.flush();
  return failures.empty() ? exit_succeeded : exit_failed;
}

}  // namespace drover::client
