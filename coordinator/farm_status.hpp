#pragma once

// The JSON the coordinator answers about its farm: `farm_query` (the
// workers' devices for /system_stats) and `farm_status_query` (docs/status.md).

#include <cstdint>
#include <map>
#include <string>

#include "actors/json.hpp"
#include "coordinator/class_costs.hpp"
#include "coordinator/farm_journal.hpp"
#include "coordinator/worker_roster.hpp"

namespace drover::coordinator {

/// Where an attempt runs, and since when.
struct running_attempt {
  std::string worker_id;
  std::uint32_t attempt = 0;
  std::int64_t started_ms = 0;
  std::size_t nodes = 0;  ///< of the prompt
};

/// One `{worker_id, name, host, slots, device, models}` per joined worker
/// (`models`: its model files by folder, {} when it reported none).
json farm_workers_json(const worker_roster& roster);

/// What `farm_status_query` answers.
struct farm_view {
  const std::string& coordinator_id;
  std::uint32_t retry_budget = 0;
  std::size_t queued = 0;  ///< pending and running
  const worker_roster& roster;
  const std::map<std::string, running_attempt>& running;  ///< by prompt id
  const farm_journal& journal;
  const class_costs& costs;
};

json farm_status_json(const farm_view& farm, std::int64_t now_ms);

}  // namespace drover::coordinator
