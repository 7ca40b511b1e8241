#include "worker/worker_process.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <unistd.h>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <zmq.hpp>

#include "actors/actor_system_setup.hpp"
#include "actors/ids.hpp"
#include "actors/log.hpp"
#include "actors/termination.hpp"
#include "worker/backend_runner.hpp"
#include "worker/comfyui_backend.hpp"
#include "worker/core_nodes.hpp"
#include "worker/event_publisher.hpp"
#include "worker/fragment_router.hpp"
#include "worker/fragment_runner.hpp"
#include "worker/node_pack_loader.hpp"
#include "worker/testing_nodes.hpp"
#include "worker/worker_actor.hpp"

namespace drover::worker {

namespace {

constexpr std::chrono::milliseconds retry_interval{250};

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) {
    return "localhost";
  }
  return name;
}

/// This machine as one `/system_stats` device entry: a CPU, whose memory
/// ComfyUI reports as VRAM.
std::string cpu_device_json() {
  auto page = static_cast<std::int64_t>(sysconf(_SC_PAGESIZE));
  auto total = page * static_cast<std::int64_t>(sysconf(_SC_PHYS_PAGES));
  auto free = page * static_cast<std::int64_t>(sysconf(_SC_AVPHYS_PAGES));
  json device = {{"name", "cpu"},          {"type", "cpu"},
                 {"index", nullptr},       {"vram_total", total},
                 {"vram_free", free},      {"torch_vram_total", total},
                 {"torch_vram_free", free}};
  return device.dump();
}

/// Calls `remote_actor` every 250 ms while `link.need_connect` is set, and
/// hands each coordinator reached to the worker actor, until a termination
/// signal arrives.
void connect_until_signal(caf::actor_system& system, const worker_options& options,
                          worker_link& link, const caf::actor& worker) {
  auto log = actors::logger("worker");
  std::size_t failures = 0;
  for (;;) {
    if (link.need_connect.exchange(false)) {
      auto remote = system.middleman().remote_actor(options.coordinator.host,
                                                    options.coordinator.port);
      if (remote) {
        failures = 0;
        log->info("coordinator connected coordinator={}",
                  options.coordinator.to_string());
        caf::anon_send(worker, caf::connect_atom::value, *remote);
      } else {
        link.need_connect = true;
        if (failures++ % 40 == 0) {
          log->warn("coordinator unreachable coordinator={} error={} attempts={}",
                    options.coordinator.to_string(), caf::to_string(remote.error()),
                    failures);
        }
      }
    }
    if (actors::wait_for_termination_signal_for(retry_interval) != 0) {
      return;
    }
  }
}

/// Every backend of `--backend` and `--backend-file`, in that order.
actors::result<std::vector<comfyui_backend>> read_backends(
    const worker_options& options) {
  std::vector<comfyui_backend> backends;
  for (const auto& spec : options.backends) {
    DROVER_TRY(backend, comfyui_backend::parse(spec));
    backends.push_back(std::move(backend));
  }
  if (!options.backend_file.empty()) {
    DROVER_TRY(listed, comfyui_backend::read_list(options.backend_file));
    for (auto& backend : listed) {
      backends.push_back(std::move(backend));
    }
  }
  return backends;
}

/// The devices of the backends that answer: one `/system_stats` entry, or
/// an array of them when there are several; this machine's CPU when none
/// answers.
std::string backend_devices_json(
    const std::vector<std::unique_ptr<backend_runner>>& bridges) {
  json devices = json::array();
  for (const auto& bridge : bridges) {
    if (auto device = bridge->device(); device.is_object()) {
      devices.push_back(std::move(device));
    }
  }
  if (devices.empty()) {
    return cpu_device_json();
  }
  return devices.size() == 1 ? devices[0].dump() : devices.dump();
}

/// A spill folder the worker made for itself, removed when it ends (after
/// the publisher, declared later, has removed its files).
struct spill_folder {
  std::string path;
  ~spill_folder() {
    if (!path.empty()) {
      std::error_code ignored;  // nothing to do about a folder already gone
      std::filesystem::remove_all(path, ignored);
    }
  }
};

cache_options cache_settings(const worker_options& options) {
  cache_options cache;
  if (options.cache_none) {
    cache.policy = cache_policy::none;
  } else if (options.cache_lru > 0) {
    cache.policy = cache_policy::lru;
    cache.lru_size = options.cache_lru;
  }
  return cache;
}

}  // namespace

int run_worker(const worker_options& options) {
  auto log = actors::logger("worker");
  node_registry registry;
  if (auto added = install_node_pack(core_node_pack(), registry); !added) {
    log->error("node pack failed error={}", added.error().message);
    return 1;
  }
  if (options.enable_testing_nodes) {
    if (auto added = register_testing_nodes(registry, options.testing_speed); !added) {
      log->error("testing node pack failed error={}", added.error().message);
      return 1;
    }
    log->info("testing nodes enabled speed={}", options.testing_speed);
  }
  if (!options.node_packs.empty()) {
    // A refused pack is logged by the loader; the worker runs without it.
    if (auto packs = load_node_packs(options.node_packs, registry); !packs) {
      log->error("node packs not loaded error={}", packs.error().message);
      return 1;
    }
  }

  auto backends = read_backends(options);
  if (!backends) {
    log->error("backend refused error={}", backends.error().message);
    return 2;
  }

  zmq::context_t context;
  event_publisher::options publish_options;
  publish_options.host = options.advertise_host.empty()
                             ? actors::local_address_towards(options.coordinator.host)
                             : options.advertise_host;
  publish_options.bind_host = options.bind_host;
  publish_options.events_port = options.events_port;
  publish_options.replay_port = options.replay_port;
  publish_options.spill_dir = options.event_spill_dir;
  spill_folder own_spill;
  if (publish_options.spill_dir.empty()) {
    own_spill.path = (std::filesystem::temp_directory_path() /
                      ("drover-events-" + std::to_string(getpid())))
                         .string();
    publish_options.spill_dir = own_spill.path;
  }
  auto publisher = event_publisher::start(context, publish_options);
  if (!publisher) {
    log->error("event sockets failed error={}", publisher.error().message);
    return 1;
  }

  worker_link link;
  auto& hello = link.hello;
  hello.worker_id = actors::new_uuid();
  hello.host = host_name();
  hello.pid = static_cast<std::int64_t>(getpid());
  hello.name =
      options.name.empty() ? hello.host + "-" + std::to_string(hello.pid) : options.name;
  // One fragment at a time per backend; one for the native runner alone.
  hello.slots =
      std::max<std::uint32_t>(1, static_cast<std::uint32_t>(backends.value().size()));
  hello.events_endpoint = publisher.value()->events_endpoint();
  hello.replay_endpoint = publisher.value()->replay_endpoint();
  hello.catalog_json = registry.object_info().dump();
  hello.device_json = cpu_device_json();
  link.coordinator_host = options.coordinator.host;
  link.device_probe = cpu_device_json;

  caf::actor_system_config config;
  actors::configure_actor_system(config);
  {
    caf::actor_system system{config};
    auto worker = spawn_worker_actor(system, link);
    {
      auto report = [worker](actors::fragment_done done) {
        caf::anon_send(worker, std::move(done));
      };
      fragment_runner runner{registry, *publisher.value(), context, report,
                             cache_settings(options)};
      link.runner = &runner;

      // With backends, the router takes the fragments and the worker offers
      // each backend's classes while it answers.
      std::vector<std::unique_ptr<backend_runner>> bridges;
      std::optional<fragment_router> router;
      if (!backends.value().empty()) {
        std::vector<backend_runner*> borrowed;
        for (const auto& backend : backends.value()) {
          auto client_id =
              "drover-" + hello.worker_id + "-" + std::to_string(bridges.size());
          bridges.push_back(std::make_unique<backend_runner>(
              backend, client_id, *publisher.value(), context, report,
              [worker] { notify_catalog_changed(worker); }));
          borrowed.push_back(bridges.back().get());
        }
        router.emplace(registry, runner, borrowed);
        link.runner = &*router;
        link.catalog_probe = [&router] {
          return router->catalog_json();
        };
        link.models_probe = [&router] {
          return router->models_json();
        };
        link.device_probe = [&bridges] {
          return backend_devices_json(bridges);
        };
        for (auto& bridge : bridges) {
          bridge->probe();
          log->info("backend bridge url={} reachable={}", bridge->backend().url(),
                    !bridge->catalog().empty());
        }
        hello.device_json = link.device_probe();
      }
      log->info("worker started worker_id={} name={} events={} replay={}",
                hello.worker_id, hello.name, hello.events_endpoint,
                hello.replay_endpoint);
      connect_until_signal(system, options, link, worker);
      log->info("worker stopping worker_id={}", hello.worker_id);

      // The actor goes first, so that nothing reaches the runner once it stops.
      caf::scoped_actor waiter{system};
      waiter->monitor(worker);
      caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
      waiter->receive([](const caf::down_msg&) {});
    }
  }
  return 0;
}

}  // namespace drover::worker
