#include "gateway/prompt_stream.hpp"

#include <algorithm>

#include "actors/clock.hpp"
#include "actors/log.hpp"

namespace drover::gateway {

namespace {

json parse_object(const std::string& text) {
  auto parsed = json::parse(text, nullptr, false);
  return parsed.is_object() ? parsed : json::object();
}

}  // namespace

prompt_stream::prompt_stream(std::string prompt_id)
    : prompt_id_(prompt_id), progress_(std::move(prompt_id)) {}

bool prompt_stream::hold(actors::event e, std::size_t max_held) {
  auto& attempt = attempts_[{e.key.fragment, e.key.attempt}];
  if (e.seq < attempt.next_seq || attempt.held.count(e.seq) != 0) {
    return true;  // a duplicate, as replays and a late subscription produce
  }
  if (held_count_ >= max_held) {
    return false;
  }
  auto seq = e.seq;
  attempt.held.emplace(seq, std::move(e));
  ++held_count_;
  return true;
}

void prompt_stream::plan(const actors::prompt_planned& planned, stream_output& out) {
  bool repeat =
      planned_ && std::all_of(planned.fragments.begin(), planned.fragments.end(),
                              [&](const actors::planned_fragment& f) {
                                auto it = attempts_.find({f.fragment, f.attempt});
                                return it != attempts_.end() && it->second.active;
                              });
  if (repeat) {
    return;  // a resumed gateway hears the plans of running prompts again
  }
  client_id_.reset();
  if (planned.has_client_id) {
    client_id_ = planned.client_id;
  }
  for (const auto& fragment : planned.fragments) {
    activate(fragment.fragment, fragment.attempt, fragment.worker_id);
  }
  planned_ = true;
  out.messages.push_back(
      text_message(std::nullopt, "status", status_data(planned.queue_remaining)));
  pump(out);
}

prompt_stream::attempt_state& prompt_stream::activate(std::uint32_t fragment,
                                                      std::uint32_t attempt_number,
                                                      const std::string& worker_id) {
  // A new attempt replaces the fragment's earlier ones: what they delivered
  // stays delivered, what they still held is void.
  for (auto& [id, attempt] : attempts_) {
    if (id.first == fragment && id.second != attempt_number) {
      held_count_ -= attempt.held.size();
      attempt.held.clear();
      attempt.active = false;
    }
  }
  auto& attempt = attempts_[{fragment, attempt_number}];
  attempt.active = true;
  attempt.worker_id = worker_id;
  return attempt;
}

void prompt_stream::finish(const actors::prompt_finished& finished, stream_output& out) {
  if (!planned_) {
    // No plan seen (the gateway joined late): the finish names the attempts.
    if (finished.has_client_id) {
      client_id_ = finished.client_id;
    }
    planned_ = true;
  }
  if (finished.fragments.empty()) {
    // The coordinator gave the prompt up: what its attempts delivered stays
    // delivered, nothing else of theirs counts, and the error follows.
    for (auto& [id, attempt] : attempts_) {
      held_count_ -= attempt.held.size();
      attempt.held.clear();
      attempt.active = false;
    }
    if (!started_) {
      emit_start(actors::epoch_ms(), {}, out);
    }
  }
  for (const auto& fragment : finished.fragments) {
    // The finish may name an attempt whose plan this gateway missed (it was
    // reconnecting to the coordinator): it replaces the earlier ones too.
    activate(fragment.fragment, fragment.attempt, fragment.worker_id).last_seq =
        fragment.last_seq;
  }
  finished_ = finished;
  pump(out);
}

void prompt_stream::replay_answered(const actors::attempt_key& key, bool known,
                                    stream_output& out) {
  auto it = attempts_.find({key.fragment, key.attempt});
  if (it == attempts_.end()) {
    return;
  }
  auto& attempt = it->second;
  attempt.replay_from.reset();
  pump(out);
  if (done_ || !attempt.active) {
    return;
  }

  // The worker sent every event it still holds: a gap left now cannot be
  // filled any more. Skip it loudly rather than stall the prompt forever.
  if (awaits_preview(attempt)) {
    // The tick goes out alone; its preview's number is skipped below.
    std::get<actors::node_progress>(attempt.held.begin()->second.body).preview_follows =
        false;
    drain(attempt, out);
  }
  std::optional<std::uint64_t> resume;
  if (!attempt.held.empty() && attempt.held.begin()->first > attempt.next_seq) {
    resume = attempt.held.begin()->first;
  } else if (attempt.held.empty() && attempt.last_seq &&
             attempt.next_seq <= *attempt.last_seq) {
    resume = *attempt.last_seq + 1;
  }
  if (resume) {
    actors::logger("gateway")->warn(
        "events lost prompt_id={} fragment={} attempt={} from={} to={} worker_known={}",
        prompt_id_, key.fragment, key.attempt, attempt.next_seq, *resume - 1, known);
    attempt.next_seq = *resume;
    pump(out);
  }
}

void prompt_stream::pump(stream_output& out) {
  if (!planned_ || done_) {
    return;
  }
  if (started_ || start_if_ready(out)) {
    for (auto& [id, attempt] : attempts_) {
      if (attempt.active) {
        drain(attempt, out);
      }
    }
  }
  for (auto& [id, attempt] : attempts_) {
    if (attempt.active) {
      request_missing(id.first, id.second, attempt, out);
    }
  }
  if (finished_ && started_ && tail_complete()) {
    emit_terminal(out);
  }
}

std::optional<std::string> prompt_stream::running_node() const {
  return running_;
}

json prompt_stream::progress_summary() const {
  json summary = json::object();
  summary["node"] = running_ ? json(*running_) : json(nullptr);
  summary["nodes_done"] = finished_nodes_.size();
  if (running_) {
    if (const auto* entry = progress_.find_display(*running_)) {
      summary["value"] = entry->value;
      summary["max"] = entry->max;
    }
  }
  return summary;
}

bool prompt_stream::start_if_ready(stream_output& out) {
  // execution_start and the merged execution_cached wait until every planned
  // fragment has started, so that the cached list is complete.
  bool any_active = false;
  for (const auto& [id, attempt] : attempts_) {
    if (!attempt.active) {
      continue;
    }
    any_active = true;
    if (attempt.next_seq == 0 && attempt.held.count(0) == 0) {
      return false;
    }
  }
  if (!any_active) {
    return false;
  }

  std::vector<std::string> cached;
  std::optional<std::int64_t> timestamp;
  for (auto& [id, attempt] : attempts_) {
    if (!attempt.active || attempt.next_seq != 0) {
      continue;
    }
    auto first = attempt.held.begin();
    const auto* body = std::get_if<actors::fragment_started>(&first->second.body);
    if (body == nullptr) {
      continue;  // not a well-formed stream; its events still go out in order
    }
    for (const auto& node : body->cached_nodes) {
      if (std::find(cached.begin(), cached.end(), node) == cached.end()) {
        cached.push_back(node);
      }
    }
    auto ts = first->second.timestamp_ms;
    timestamp = timestamp ? std::min(*timestamp, ts) : ts;
    attempt.held.erase(first);
    --held_count_;
    attempt.next_seq = 1;
  }

  emit_start(timestamp.value_or(actors::epoch_ms()), cached, out);
  return true;
}

void prompt_stream::emit_start(std::int64_t timestamp,
                               const std::vector<std::string>& cached,
                               stream_output& out) {
  json start = json::object();
  start["prompt_id"] = prompt_id_;
  start["timestamp"] = timestamp;
  to_client("execution_start", start, out);
  json cached_data = json::object();
  cached_data["nodes"] = cached;
  cached_data["prompt_id"] = prompt_id_;
  cached_data["timestamp"] = timestamp;
  to_client("execution_cached", cached_data, out);
  started_ = true;
}

// TODO(#4): hold an event whose input came from another fragment until that
// fragment's event went out, once the event schema names it; until then each
// attempt is ordered on its own and fragments interleave as they arrive.
bool prompt_stream::awaits_preview(const attempt_state& attempt) {
  if (attempt.held.empty() || attempt.held.begin()->first != attempt.next_seq) {
    return false;
  }
  const auto* tick =
      std::get_if<actors::node_progress>(&attempt.held.begin()->second.body);
  return tick != nullptr && tick->preview_follows &&
         attempt.held.count(attempt.next_seq + 1) == 0;
}

bool prompt_stream::drain(attempt_state& attempt, stream_output& out) {
  bool delivered = false;
  while (!attempt.held.empty() && attempt.held.begin()->first == attempt.next_seq) {
    if (awaits_preview(attempt)) {
      break;  // the tick goes out with its preview
    }
    auto first = attempt.held.begin();
    auto second = std::next(first);
    const auto* tick = std::get_if<actors::node_progress>(&first->second.body);
    const auto* preview = second == attempt.held.end()
                              ? nullptr
                              : std::get_if<actors::node_preview>(&second->second.body);
    if (tick != nullptr && tick->preview_follows && preview != nullptr &&
        preview->node_id == tick->node_id) {
      on_node_progress(*tick, out, preview);
      attempt.held.erase(first, std::next(second));
      held_count_ -= 2;
      attempt.next_seq += 2;
      delivered = true;
      continue;
    }
    auto node = attempt.held.extract(attempt.held.begin());
    --held_count_;
    ++attempt.next_seq;
    deliver(node.mapped(), out);
    delivered = true;
  }
  return delivered;
}

void prompt_stream::request_missing(std::uint32_t fragment, std::uint32_t attempt_number,
                                    attempt_state& attempt, stream_output& out) {
  bool gap = !attempt.held.empty() && attempt.held.begin()->first > attempt.next_seq;
  bool tail =
      attempt.held.empty() && attempt.last_seq && attempt.next_seq <= *attempt.last_seq;
  // A tick's preview is missing once a later event or the finish came.
  gap =
      gap || (awaits_preview(attempt) &&
              (attempt.held.rbegin()->first > attempt.next_seq + 1 || attempt.last_seq));
  // One request at a time per attempt: its answer arrives as a burst, and
  // the gap moving while the burst is read is no new loss.
  if (!(gap || tail) || attempt.replay_from) {
    return;
  }
  attempt.replay_from = attempt.next_seq;
  out.replays.push_back(replay_request{
      attempt.worker_id, actors::attempt_key{prompt_id_, fragment, attempt_number},
      attempt.next_seq});
}

bool prompt_stream::tail_complete() const {
  for (const auto& fragment : finished_->fragments) {
    auto it = attempts_.find({fragment.fragment, fragment.attempt});
    if (it == attempts_.end() || it->second.next_seq <= fragment.last_seq) {
      return false;
    }
  }
  return true;
}

void prompt_stream::emit_terminal(stream_output& out) {
  auto type = finished_->terminal_type.empty() ? std::string{"execution_success"}
                                               : finished_->terminal_type;
  auto data = parse_object(finished_->terminal_json);
  if (!data.contains("prompt_id")) {
    data["prompt_id"] = prompt_id_;
  }
  if (type == "execution_interrupted") {
    to_client_or_all(type, data, out);
  } else {
    to_client(type, data, out);
  }
  out.messages.push_back(
      text_message(std::nullopt, "status", status_data(finished_->queue_remaining)));
  json last = json::object();
  last["node"] = nullptr;
  last["prompt_id"] = prompt_id_;
  to_client("executing", last, out);
  done_ = true;
  running_.reset();
}

void prompt_stream::deliver(const actors::event& e, stream_output& out) {
  std::visit(
      [&](const auto& body) {
        using body_type = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<body_type, actors::node_started>) {
          on_node_started(body, out);
        } else if constexpr (std::is_same_v<body_type, actors::node_progress>) {
          on_node_progress(body, out);
        } else if constexpr (std::is_same_v<body_type, actors::node_output>) {
          on_node_output(body, out);
        } else if constexpr (std::is_same_v<body_type, actors::node_finished>) {
          on_node_finished(body, out);
        } else if constexpr (std::is_same_v<body_type, actors::node_text>) {
          on_node_text(body, out);
        } else if constexpr (std::is_same_v<body_type, actors::node_preview>) {
          on_node_preview(body, out);
        } else if constexpr (std::is_same_v<body_type, actors::custom_message>) {
          on_custom_message(body, out);
        }
        // fragment_started of a later attempt and fragment_ended carry nothing
        // for clients: the start went out once, the terminal waits for the
        // coordinator's prompt_finished.
      },
      e.body);
}

void prompt_stream::on_node_started(const actors::node_started& body,
                                    stream_output& out) {
  if (finished_nodes_.count(body.node_id) != 0) {
    return;  // a requeued attempt re-running a node the client saw finish
  }
  display_of_[body.node_id] = body.display_node;
  auto& entry = progress_.entry(body.node_id, body.display_node);
  entry.value = 0.0;
  entry.max = 1.0;
  entry.finished = false;
  entry.parent_node_id.reset();
  if (!body.parent_node.empty()) {
    entry.parent_node_id = body.parent_node;
  }
  entry.real_node_id = body.real_node.empty() ? body.node_id : body.real_node;
  running_ = body.display_node;
  emit_progress_state(out);

  json data = json::object();
  data["node"] = body.node_id;
  data["display_node"] = body.display_node;
  data["prompt_id"] = prompt_id_;
  to_client("executing", data, out);
}

void prompt_stream::on_node_progress(const actors::node_progress& body,
                                     stream_output& out,
                                     const actors::node_preview* preview) {
  if (finished_nodes_.count(body.node_id) != 0) {
    return;
  }
  auto& entry = progress_.entry(body.node_id, display_of_[body.node_id]);
  entry.value = body.value;
  entry.max = body.max;
  entry.finished = false;
  emit_progress_state(out);
  using sockets = client_message::preview_sockets;
  if (preview != nullptr) {
    push_preview(*preview, sockets::with_metadata, out);
  }
  if (body.state_only) {
    return;  // ComfyUI sends no `progress`, and no legacy preview, for it
  }

  json data = json::object();
  data["value"] = body.value;
  data["max"] = body.max;
  data["prompt_id"] = prompt_id_;
  data["node"] = body.node_id;
  to_client_or_all("progress", data, out);
  if (preview != nullptr) {
    push_preview(*preview, sockets::without_metadata, out);
  }
}

void prompt_stream::on_node_output(const actors::node_output& body, stream_output& out) {
  if (finished_nodes_.count(body.node_id) != 0) {
    return;  // never a second `executed` for one node
  }
  display_of_[body.node_id] = body.display_node;
  json data = json::object();
  data["node"] = body.node_id;
  data["display_node"] = body.display_node;
  data["output"] = body.ui;
  data["prompt_id"] = prompt_id_;
  to_client("executed", data, out);
}

void prompt_stream::on_node_finished(const actors::node_finished& body,
                                     stream_output& out) {
  if (!finished_nodes_.insert(body.node_id).second) {
    return;
  }
  auto& entry = progress_.entry(body.node_id, display_of_[body.node_id]);
  entry.finished = true;
  entry.value = entry.max;
  if (running_ && *running_ == entry.display_node_id) {
    running_.reset();
  }
  emit_progress_state(out);
}

void prompt_stream::on_node_text(const actors::node_text& body, stream_output& out) {
  // ComfyUI sends progress text with no sid: every socket gets it, also when
  // the prompt has a client (recorded in g_binary_text.jsonl).
  client_message message;
  message.binary = true;
  message.payload = encode_text_frame(body.node_id, body.text);
  out.messages.push_back(std::move(message));
}

void prompt_stream::on_node_preview(const actors::node_preview& body,
                                    stream_output& out) {
  if (finished_nodes_.count(body.node_id) != 0) {
    return;
  }
  push_preview(body, client_message::preview_sockets::all, out);
}

void prompt_stream::push_preview(const actors::node_preview& body,
                                 client_message::preview_sockets sockets,
                                 stream_output& out) {
  using kind = client_message::preview_sockets;
  std::string_view image{reinterpret_cast<const char*>(body.image.data()),
                         body.image.size()};
  client_message message;
  message.client_id = client_id_;
  message.binary = true;
  message.preview_to = sockets;
  if (sockets != kind::with_metadata) {
    message.payload = encode_preview_frame(body.image_type, image);
  }
  if (sockets != kind::without_metadata) {
    const auto& entry = progress_.entry(body.node_id, display_of_[body.node_id]);
    json metadata = json::object();
    metadata["node_id"] = body.node_id;
    metadata["prompt_id"] = prompt_id_;
    metadata["display_node_id"] = entry.display_node_id;
    metadata["parent_node_id"] =
        entry.parent_node_id ? json(*entry.parent_node_id) : json(nullptr);
    metadata["real_node_id"] = entry.real_node_id;
    metadata["image_type"] = body.image_type;
    message.payload_with_metadata = encode_preview_with_metadata(metadata, image);
  }
  out.messages.push_back(std::move(message));
}

void prompt_stream::on_custom_message(const actors::custom_message& body,
                                      stream_output& out) {
  if (body.broadcast) {
    out.messages.push_back(text_message(std::nullopt, body.type, body.data));
  } else {
    to_client_or_all(body.type, body.data, out);
  }
}

void prompt_stream::emit_progress_state(stream_output& out) {
  out.messages.push_back(
      text_message_of(client_id_, "progress_state", progress_.data_text()));
}

void prompt_stream::to_client(std::string_view type, const json& data,
                              stream_output& out) {
  if (client_id_) {
    out.messages.push_back(text_message(client_id_, type, data));
  }
}

void prompt_stream::to_client_or_all(std::string_view type, const json& data,
                                     stream_output& out) {
  out.messages.push_back(text_message(client_id_, type, data));
}

}  // namespace drover::gateway
