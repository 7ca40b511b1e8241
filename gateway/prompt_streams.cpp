#include "gateway/prompt_streams.hpp"

#include "actors/log.hpp"

namespace drover::gateway {

prompt_streams::prompt_streams(stream_limits limits) : limits_(limits) {}

void prompt_streams::on_queue_changed(const actors::queue_changed& fact,
                                      stream_output& out) {
  queue_remaining_ = fact.queue_remaining;
  out.messages.push_back(
      text_message(std::nullopt, "status", status_data(fact.queue_remaining)));
}

void prompt_streams::on_planned(const actors::prompt_planned& fact, stream_output& out) {
  queue_remaining_ = fact.queue_remaining;
  if (done_.count(fact.prompt_id) != 0) {
    return;
  }
  auto it = stream_for(fact.prompt_id);
  it->second.plan(fact, out);
  retire_if_done(it);
}

void prompt_streams::on_finished(const actors::prompt_finished& fact,
                                 stream_output& out) {
  queue_remaining_ = fact.queue_remaining;
  if (done_.count(fact.prompt_id) != 0) {
    return;
  }
  auto it = stream_for(fact.prompt_id);
  it->second.finish(fact, out);
  retire_if_done(it);
}

void prompt_streams::on_event(actors::event e, stream_output& out) {
  if (done_.count(e.key.prompt_id) != 0) {
    return;  // a replayed or late copy of a prompt already complete
  }
  auto prompt_id = e.key.prompt_id;
  auto it = stream_for(prompt_id);
  auto seq = e.seq;
  if (!it->second.hold(std::move(e), limits_.max_held_per_prompt)) {
    actors::logger("gateway")->warn(
        "event dropped over the hold limit prompt_id={} seq={} held={}", prompt_id, seq,
        it->second.held_count());
  }
  it->second.pump(out);
  retire_if_done(it);
}

void prompt_streams::on_replay_answered(const actors::attempt_key& key, bool known,
                                        stream_output& out) {
  auto it = streams_.find(key.prompt_id);
  if (it == streams_.end()) {
    return;
  }
  it->second.replay_answered(key, known, out);
  retire_if_done(it);
}

json prompt_streams::progress() const {
  json out = json::object();
  for (const auto& [id, stream] : streams_) {
    if (stream.planned() && !stream.done()) {
      out[id] = stream.progress_summary();
    }
  }
  return out;
}

std::optional<std::string> prompt_streams::running_node_for(
    const std::string& client_id) const {
  for (const auto& [id, stream] : streams_) {
    if (stream.client_id() == client_id) {
      if (auto node = stream.running_node()) {
        return node;
      }
    }
  }
  return std::nullopt;
}

prompt_streams::stream_map::iterator prompt_streams::stream_for(
    const std::string& prompt_id) {
  auto it = streams_.find(prompt_id);
  if (it != streams_.end()) {
    return it;
  }
  it = streams_.emplace(prompt_id, prompt_stream{prompt_id}).first;
  unplanned_order_.push_back(prompt_id);
  evict_unplanned();
  return streams_.find(prompt_id);
}

void prompt_streams::evict_unplanned() {
  // Drop finished or planned entries from the front lazily, then the oldest
  // unplanned prompts beyond the bound: a prompt never planned is most
  // likely one this gateway will never hear of (another farm's leftovers).
  std::size_t unplanned = 0;
  for (const auto& id : unplanned_order_) {
    auto it = streams_.find(id);
    unplanned += it != streams_.end() && !it->second.planned();
  }
  while (unplanned > limits_.max_unplanned_prompts && !unplanned_order_.empty()) {
    auto id = unplanned_order_.front();
    unplanned_order_.pop_front();
    auto it = streams_.find(id);
    if (it == streams_.end() || it->second.planned()) {
      continue;
    }
    actors::logger("gateway")->warn("unplanned prompt evicted prompt_id={} held={}", id,
                                    it->second.held_count());
    streams_.erase(it);
    --unplanned;
  }
  while (!unplanned_order_.empty()) {
    auto it = streams_.find(unplanned_order_.front());
    if (it != streams_.end() && !it->second.planned()) {
      break;
    }
    unplanned_order_.pop_front();
  }
}

void prompt_streams::retire_if_done(stream_map::iterator it) {
  if (!it->second.done()) {
    return;
  }
  done_.insert(it->first);
  done_order_.push_back(it->first);
  streams_.erase(it);
  while (done_order_.size() > limits_.remembered_done) {
    done_.erase(done_order_.front());
    done_order_.pop_front();
  }
}

}  // namespace drover::gateway
