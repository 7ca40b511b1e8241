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

json entry_of(queued_prompt& p, std::int64_t started_ms,
              const std::vector<std::string>& cached_nodes, std::int64_t cached_ms,
              const terminal_message& terminal, json outputs, json meta);

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

namespace {

/// Takes the prompt and extra_data out of `p`.
json entry_of(queued_prompt& p, std::int64_t started_ms,
              const std::vector<std::string>& cached_nodes, std::int64_t cached_ms,
              const terminal_message& terminal, json outputs, json meta) {
  bool success = terminal.type == "execution_success";
  json cached = json::object();
  cached["nodes"] = cached_nodes;
  cached["prompt_id"] = p.prompt_id;
  cached["timestamp"] = cached_ms;

  json status = json::object();
  status["status_str"] = success ? "success" : "error";
  status["completed"] = success;
  status["messages"] =
      json::array({json::array({"execution_start", stamped(p.prompt_id, started_ms)}),
                   json::array({"execution_cached", cached}),
                   json::array({terminal.type, terminal.data})});

  json entry = json::object();
  entry["prompt"] = p.take_queue_item();
  entry["outputs"] = std::move(outputs);
  entry["status"] = std::move(status);
  entry["meta"] = std::move(meta);
  return entry;
}

}  // namespace

json take_history_entry(queued_prompt& p, const actors::fragment_done& done,
                        const terminal_message& terminal) {
  return entry_of(p, done.started_ms, done.cached_nodes, done.cached_ms, terminal,
                  object_or_empty(done.outputs_json), object_or_empty(done.meta_json));
}

terminal_message abandoned_terminal(const std::string& prompt_id,
                                    const std::string& reason, std::int64_t now_ms) {
  terminal_message t;
  t.type = "execution_error";
  t.data["prompt_id"] = prompt_id;
  t.data["node_id"] = nullptr;
  t.data["node_type"] = nullptr;
  t.data["executed"] = json::array();
  t.data["exception_message"] = reason;
  t.data["exception_type"] = "drover.WorkerLost";
  t.data["traceback"] = json::array();
  t.data["current_inputs"] = json::object();
  t.data["current_outputs"] = json::object();
  t.data["timestamp"] = now_ms;
  return t;
}

json abandoned_history_entry(const queued_prompt& p, const terminal_message& terminal) {
  auto now = terminal.data.value("timestamp", std::int64_t{0});
  auto copy = p;
  return entry_of(copy, now, {}, now, terminal, json::object(), json::object());
}

json finished_to_json(const actors::prompt_finished& finished) {
  json fragments = json::array();
  for (const auto& f : finished.fragments) {
    fragments.push_back({{"fragment", f.fragment},
                         {"attempt", f.attempt},
                         {"worker_id", f.worker_id},
                         {"last_seq", f.last_seq}});
  }
  return {{"prompt_id", finished.prompt_id},
          {"has_client_id", finished.has_client_id},
          {"client_id", finished.client_id},
          {"terminal_type", finished.terminal_type},
          {"terminal_json", finished.terminal_json},
          {"fragments", std::move(fragments)}};
}

std::optional<actors::prompt_finished> finished_from_json(const json& fact) {
  try {
    actors::prompt_finished f;
    f.prompt_id = fact.at("prompt_id").get<std::string>();
    f.has_client_id = fact.at("has_client_id").get<bool>();
    f.client_id = fact.at("client_id").get<std::string>();
    f.terminal_type = fact.at("terminal_type").get<std::string>();
    f.terminal_json = fact.at("terminal_json").get<std::string>();
    for (const auto& item : fact.at("fragments")) {
      f.fragments.push_back({item.at("fragment").get<std::uint32_t>(),
                             item.at("attempt").get<std::uint32_t>(),
                             item.at("worker_id").get<std::string>(),
                             item.at("last_seq").get<std::uint64_t>()});
    }
    return f;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace drover::coordinator
