#include "coordinator/farm_status.hpp"

namespace drover::coordinator {

namespace {

/// A worker's device entry, or the array of them of a worker that drives
/// several ComfyUI backends; an empty object when it sent none that parses.
json device_of(const worker_record& w) {
  auto device = json::parse(w.hello.device_json, nullptr, false);
  return device.is_object() || device.is_array() ? device : json::object();
}

/// The model files a worker can load, by folder; {} when it reported none.
json models_of(const worker_record& w) {
  auto models = json::parse(w.hello.models_json, nullptr, false);
  return models.is_object() ? models : json::object();
}

}  // namespace

json farm_workers_json(const worker_roster& roster) {
  json workers = json::array();
  for (const auto& [id, w] : roster.all()) {
    workers.push_back({{"worker_id", id},
                       {"name", w.hello.name},
                       {"host", w.hello.host},
                       {"slots", w.hello.slots},
                       {"device", device_of(w)},
                       {"models", models_of(w)}});
  }
  return workers;
}

json farm_status_json(const farm_view& farm, std::int64_t now_ms) {
  json workers = json::array();
  for (const auto& [id, w] : farm.roster.all()) {
    json running = json::array();
    for (const auto& prompt_id : w.running) {
      auto where = farm.running.find(prompt_id);
      running_attempt at =
          where == farm.running.end() ? running_attempt{} : where->second;
      running.push_back({{"prompt_id", prompt_id},
                         {"attempt", at.attempt},
                         {"started_ms", at.started_ms},
                         {"nodes", at.nodes}});
    }
    workers.push_back({{"worker_id", id},
                       {"name", w.hello.name},
                       {"host", w.hello.host},
                       {"pid", w.hello.pid},
                       {"slots", w.slots()},
                       {"busy", w.busy()},
                       {"state", w.busy() > 0 ? "busy" : "idle"},
                       {"joined_ms", w.joined_ms},
                       {"completed", w.completed},
                       {"classes", w.classes.size()},
                       {"device", device_of(w)},
                       {"running", std::move(running)}});
  }
  json status = json::object();
  status["coordinator_id"] = farm.coordinator_id;
  status["time_ms"] = now_ms;
  status["retry_budget"] = farm.retry_budget;
  status["queue"] = {{"pending", farm.queued - farm.running.size()},
                     {"running", farm.running.size()}};
  status["workers"] = std::move(workers);
  status["recent_failures"] = farm.journal.failures_json();
  status["recent_finished"] = farm.journal.finished_json();
  status["node_classes"] = farm.costs.to_json();
  return status;
}

}  // namespace drover::coordinator
