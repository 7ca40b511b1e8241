#include "client/batch_follower.hpp"

#include <cctype>

namespace drover::client {

namespace {

using event_kind = follow_event::kind;

bool terminal(prompt_state state) {
  return state == prompt_state::done || state == prompt_state::failed;
}

std::string text_of(const json& data, const char* key) {
  if (!data.is_object() || !data.contains(key)) {
    return {};
  }
  const auto& value = data[key];
  if (value.is_string()) {
    return value.get<std::string>();
  }
  return value.is_null() ? std::string{} : value.dump();
}

double number_of(const json& data, const char* key) {
  const auto& value = data.value(key, json());
  return value.is_number() ? value.get<double>() : 0.0;
}

prompt_failure failure_from(const json& data, bool interrupted) {
  prompt_failure failure;
  failure.node_id = text_of(data, "node_id");
  failure.node_type = text_of(data, "node_type");
  if (interrupted) {
    failure.exception_type = "interrupted";
    failure.exception_message = "the prompt was interrupted";
  } else {
    failure.exception_type = text_of(data, "exception_type");
    failure.exception_message = text_of(data, "exception_message");
    // ComfyUI ends the message with a newline (and tips, when it has any).
    while (!failure.exception_message.empty() &&
           std::isspace(static_cast<unsigned char>(failure.exception_message.back()))) {
      failure.exception_message.pop_back();
    }
  }
  return failure;
}

}  // namespace

const char* to_string(prompt_state state) {
  switch (state) {
    case prompt_state::queued:
      return "queued";
    case prompt_state::running:
      return "running";
    case prompt_state::done:
      return "done";
    case prompt_state::failed:
      return "failed";
  }
  return "?";
}

batch_follower::batch_follower(const std::vector<std::string>& prompt_ids) {
  for (const auto& id : prompt_ids) {
    if (prompts_.count(id) == 0) {
      order_.push_back(id);
      prompts_[id].prompt_id = id;
    }
  }
}

prompt_status* batch_follower::find(const json& data) {
  auto id = text_of(data, "prompt_id");
  auto found = prompts_.find(id);
  return found == prompts_.end() ? nullptr : &found->second;
}

void batch_follower::start(prompt_status& p, std::vector<follow_event>& events) {
  if (p.state == prompt_state::queued) {
    p.state = prompt_state::running;
    events.push_back({event_kind::started, p.prompt_id});
  }
}

void batch_follower::add_outputs(prompt_status& p, const std::string& node,
                                 const json& output, std::vector<follow_event>& events) {
  // `output` is the node's ui dict: images, gifs, audio… each a list of
  // {filename, subfolder, type}; other keys (text) name no file.
  if (!output.is_object()) {
    return;
  }
  for (const auto& group : output.items()) {
    if (!group.value().is_array()) {
      continue;
    }
    for (const auto& item : group.value()) {
      if (!item.is_object() || !item.contains("filename") ||
          !item["filename"].is_string()) {
        continue;
      }
      output_file file{node, item["filename"].get<std::string>(),
                       text_of(item, "subfolder"), text_of(item, "type")};
      if (file.type.empty()) {
        file.type = "output";
      }
      if (!seen_outputs_[p.prompt_id].insert(file).second) {
        continue;  // seen before a reconnect, or in /history too
      }
      p.outputs.push_back(file);
      events.push_back({event_kind::output, p.prompt_id, p.outputs.size() - 1});
    }
  }
}

void batch_follower::succeed(prompt_status& p, std::vector<follow_event>& events) {
  if (terminal(p.state)) {
    return;
  }
  p.state = prompt_state::done;
  p.current_node.clear();
  events.push_back({event_kind::succeeded, p.prompt_id});
}

void batch_follower::fail(prompt_status& p, prompt_failure failure,
                          std::vector<follow_event>& events) {
  if (terminal(p.state)) {
    return;
  }
  p.state = prompt_state::failed;
  p.current_node.clear();
  p.failure = std::move(failure);
  events.push_back({event_kind::failed, p.prompt_id});
}

std::vector<follow_event> batch_follower::feed(const json& message) {
  std::vector<follow_event> events;
  if (!message.is_object() || !message.contains("type") || !message["type"].is_string()) {
    return events;
  }
  const std::string type = message["type"].get<std::string>();
  const json& data = message.value("data", json::object());
  prompt_status* p = find(data);
  if (p == nullptr || terminal(p->state)) {
    // A finished prompt can still announce outputs (a cached output node
    // after a reconnect); those are recorded once.
    if (p != nullptr && type == "executed") {
      add_outputs(*p, text_of(data, "node"), data.value("output", json()), events);
    }
    return events;
  }

  if (type == "execution_start" || type == "execution_cached") {
    start(*p, events);
  } else if (type == "executing") {
    start(*p, events);
    std::string node = text_of(data, "display_node");
    if (node.empty()) {
      node = text_of(data, "node");
    }
    if (node != p->current_node) {
      p->current_node = node;
      p->progress_value = 0;
      p->progress_max = 0;
      events.push_back({event_kind::node, p->prompt_id});
    }
  } else if (type == "progress") {
    start(*p, events);
    p->current_node = text_of(data, "node");
    p->progress_value = number_of(data, "value");
    p->progress_max = number_of(data, "max");
    events.push_back({event_kind::progress, p->prompt_id});
  } else if (type == "executed") {
    start(*p, events);
    add_outputs(*p, text_of(data, "node"), data.value("output", json()), events);
  } else if (type == "execution_success") {
    succeed(*p, events);
  } else if (type == "execution_error") {
    // ExecutionBlocked reports a blocked branch; the run goes on (§4.3).
    if (text_of(data, "exception_type") != "ExecutionBlocked") {
      fail(*p, failure_from(data, false), events);
    }
  } else if (type == "execution_interrupted") {
    fail(*p, failure_from(data, true), events);
  }
  return events;
}

std::vector<follow_event> batch_follower::feed_text(const std::string& text) {
  auto parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) {
    return {};
  }
  return feed(parsed);
}

std::vector<follow_event> batch_follower::feed_history(const std::string& prompt_id,
                                                       const json& answer) {
  std::vector<follow_event> events;
  auto found = prompts_.find(prompt_id);
  if (found == prompts_.end() || !answer.is_object() || !answer.contains(prompt_id)) {
    return events;
  }
  auto& p = found->second;
  const json& entry = answer[prompt_id];
  if (!entry.is_object()) {
    return events;
  }

  // Replaying the recorded messages gives the end the socket would have.
  const json& status = entry.value("status", json::object());
  const json& messages =
      status.is_object() ? status.value("messages", json::array()) : json::array();
  if (p.state == prompt_state::queued) {
    start(p, events);
  }
  const json& outputs = entry.value("outputs", json::object());
  if (outputs.is_object()) {
    for (const auto& node : outputs.items()) {
      add_outputs(p, node.key(), node.value(), events);
    }
  }
  for (const auto& pair : messages.is_array() ? messages : json::array()) {
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string()) {
      json data = pair[1];
      if (data.is_object()) {
        data["prompt_id"] = prompt_id;
      }
      for (auto& e : feed(json{{"type", pair[0]}, {"data", data}})) {
        events.push_back(e);
      }
    }
  }
  // An entry without a terminal message still ends the prompt.
  if (status.is_object() && !terminal(p.state)) {
    if (status.value("status_str", json()) == "success") {
      succeed(p, events);
    } else if (status.value("status_str", json()) == "error") {
      fail(p, prompt_failure{{}, {}, "error", "the farm reports an error"}, events);
    }
  }
  return events;
}

std::vector<follow_event> batch_follower::feed_queue(const json& answer) {
  std::vector<follow_event> events;
  if (!answer.is_object()) {
    return events;
  }
  const json& running = answer.value("queue_running", json::array());
  for (const auto& item : running.is_array() ? running : json::array()) {
    if (item.is_array() && item.size() > 1 && item[1].is_string()) {
      auto found = prompts_.find(item[1].get<std::string>());
      if (found != prompts_.end()) {
        start(found->second, events);
      }
    }
  }
  return events;
}

void batch_follower::feed_farm_status(const json& status) {
  const json& workers =
      status.is_object() ? status.value("workers", json::array()) : json::array();
  for (const auto& w : workers.is_array() ? workers : json::array()) {
    if (!w.is_object() || !w.contains("name") || !w["name"].is_string()) {
      continue;
    }
    const json& running = w.value("running", json::array());
    for (const auto& r : running.is_array() ? running : json::array()) {
      if (!r.is_object() || !r.contains("prompt_id") || !r["prompt_id"].is_string()) {
        continue;
      }
      auto found = prompts_.find(r["prompt_id"].get<std::string>());
      if (found != prompts_.end() && found->second.state == prompt_state::running) {
        found->second.worker = w["name"].get<std::string>();
      }
    }
  }
}

std::vector<follow_event> batch_follower::refuse(const std::string& prompt_id,
                                                 prompt_failure failure) {
  std::vector<follow_event> events;
  auto found = prompts_.find(prompt_id);
  if (found != prompts_.end()) {
    fail(found->second, std::move(failure), events);
  }
  return events;
}

const prompt_status* batch_follower::status(const std::string& prompt_id) const {
  auto found = prompts_.find(prompt_id);
  return found == prompts_.end() ? nullptr : &found->second;
}

std::vector<const prompt_status*> batch_follower::prompts() const {
  std::vector<const prompt_status*> out;
  for (const auto& id : order_) {
    out.push_back(&prompts_.at(id));
  }
  return out;
}

std::size_t batch_follower::count(prompt_state state) const {
  std::size_t n = 0;
  for (const auto& entry : prompts_) {
    n += entry.second.state == state ? 1 : 0;
  }
  return n;
}

bool batch_follower::finished() const {
  return count(prompt_state::done) + count(prompt_state::failed) == prompts_.size();
}

}  // namespace drover::client
