#pragma once

#include <string>

#include "actors/json.hpp"

namespace drover::gateway {

/// The body of `GET /system_stats` (comfyui-protocol.md §7.2): this host's
/// memory in `system`, and in `devices` every device the farm's workers
/// reported (`farm_workers`: the coordinator's `farm_query` answer). Workers
/// without a usable device entry are left out; a farm with none reports this
/// host as one CPU device, as ComfyUI does under --cpu.
std::string system_stats_json(const json& farm_workers);

}  // namespace drover::gateway
