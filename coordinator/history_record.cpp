#include "coordinator/history_record.hpp"

#include "actors/event.hpp"

namespace drover::coordinator {

namespace {

json object_or_empty(const std::string& text) {
  auto parsed = json::parse(text, nullptr, false);
  return parsed.is_object() ? parsed : json::object();
}

json stamped(const std::string& prompt_id, std::int64_t timestamp) {
  json data = json::object();
  data["prompt_id"] = prompt_id;
  data["timestamp"] = timestamp;
  return data;
}

}  // namespace

terminal_message terminal_of(const std::string& prompt_id,
                             const actors::fragment_done& done) {
  using actors::fragment_outcome;
  terminal_message t;
  auto outcome = static_cast<fragment_outcome>(done.outcome);
  if (outcome == fragment_outcome::success) {
    t.type = "execution_success";
    t.data = stamped(prompt_id, done.ended_ms);
    return t;
  }
  t.type = outcome == fragment_outcome::interrupted ? "execution_interrupted"
                                                    : "execution_error";
  t.data["prompt_id"] = prompt_id;
  auto detail = object_or_empty(done.detail_json);
  for (auto& [key, value] : detail.items()) {
    if (key != "prompt_id" && key != "timestamp") {
      t.data[key] = value;
    }
  }
  t.data["timestamp"] = done.ended_ms;
  return t;
}

json history_entry(const queued_prompt& p, const actors::fragment_done& done,
                   const terminal_message& terminal) {
  bool success = terminal.type == "execution_success";
  json cached = json::object();
  cached["nodes"] = done.cached_nodes;
  cached["prompt_id"] = p.prompt_id;
  cached["timestamp"] = done.cached_ms;

  json status = json::object();
  status["status_str"] = success ? "success" : "error";
  status["completed"] = success;
  status["messages"] = json::array(
      {json::array({"execution_start", stamped(p.prompt_id, done.started_ms)}),
       json::array({"execution_cached", cached}),
       json::array({terminal.type, terminal.data})});

  json entry = json::object();
  entry["prompt"] = p.queue_item();
  entry["outputs"] = object_or_empty(done.outputs_json);
  entry["status"] = std::move(status);
  entry["meta"] = object_or_empty(done.meta_json);
  return entry;
}

}  // namespace drover::coordinator
