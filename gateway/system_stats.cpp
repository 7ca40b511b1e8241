#include "gateway/system_stats.hpp"

#include <cstdint>
#include <sys/sysinfo.h>
#include <utility>

namespace drover::gateway {

namespace {

/// This host's memory, the figures ComfyUI reports for a CPU device.
std::pair<std::uint64_t, std::uint64_t> host_memory() {
  struct sysinfo info {};
  if (sysinfo(&info) != 0) {
    return {0, 0};
  }
  std::uint64_t unit = info.mem_unit;
  return {info.totalram * unit, (info.freeram + info.bufferram) * unit};
}

json farm_devices(const json& farm_workers) {
  json devices = json::array();
  if (!farm_workers.is_array()) {
    return devices;
  }
  auto add = [&devices](const json& device) {
    if (device.is_object() && !device.empty()) {
      devices.push_back(device);
    }
  };
  for (const auto& worker : farm_workers) {
    if (!worker.is_object() || !worker.contains("device")) {
      continue;
    }
    // A worker that drives several ComfyUI backends reports each one's GPU.
    const auto& device = worker["device"];
    if (device.is_array()) {
      for (const auto& one : device) {
        add(one);
      }
    } else {
      add(device);
    }
  }
  return devices;
}

}  // namespace

std::string system_stats_json(const json& farm_workers) {
  auto [total, free] = host_memory();
  json system = json::object();
  system["os"] = "linux";
  system["ram_total"] = total;
  system["ram_free"] = free;
  system["comfyui_version"] = "0.8.0";
  system["drover_version"] = "0.1.0";
  system["required_frontend_version"] = nullptr;
  system["installed_templates_version"] = nullptr;
  system["required_templates_version"] = nullptr;
  system["python_version"] = "none (drover gateway, C++)";
  system["pytorch_version"] = "none";
  system["embedded_python"] = false;
  system["argv"] = json::array({"drover", "gateway"});

  auto devices = farm_devices(farm_workers);
  if (devices.empty()) {
    devices.push_back({{"name", "cpu"},
                       {"type", "cpu"},
                       {"index", nullptr},
                       {"vram_total", total},
                       {"vram_free", free},
                       {"torch_vram_total", total},
                       {"torch_vram_free", free}});
  }
  json body = json::object();
  body["system"] = std::move(system);
  body["devices"] = std::move(devices);
  return body.dump();
}

}  // namespace drover::gateway
