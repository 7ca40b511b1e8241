// The `drover` executable: one binary, one subcommand per role.

#include <cstdio>
#include <string>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>

#include "actors/endpoint.hpp"
#include "actors/log.hpp"
#include "actors/termination.hpp"
#include "cli/status_command.hpp"
#include "cli/submit_command.hpp"
#include "cli/up_command.hpp"
#include "coordinator/coordinator_process.hpp"
#include "gateway/gateway_process.hpp"
#include "worker/comfyui_backend.hpp"
#include "worker/worker_process.hpp"

namespace {

using namespace drover;

std::string own_executable(const char* argv0) {
  char path[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
  if (length <= 0) {
    return argv0;
  }
  path[length] = '\0';
  return path;
}

/// A HOST:PORT command-line value, checked when parsed.
struct endpoint_flag {
  std::string text;
  actors::endpoint value;
};

CLI::Option* add_endpoint(CLI::App* app, const std::string& name, endpoint_flag& flag,
                          const std::string& help) {
  return app
      ->add_option_function<std::string>(
          name,
          [&flag, name](const std::string& text) {
            auto parsed = actors::parse_endpoint(text);
            if (!parsed) {
              throw CLI::ValidationError(name, parsed.error().message);
            }
            flag.text = text;
            flag.value = parsed.value();
          },
          help)
      ->type_name("HOST:PORT");
}

}  // namespace

int main(int argc, char** argv) {
  actors::block_termination_signals();

  CLI::App app{"drover: run ComfyUI workflows across a farm of GPU hosts"};
  app.require_subcommand(1);
  app.fallthrough();
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();

  cli::submit_options submit_options;
  auto* submit = cli::add_submit_command(app, submit_options);

  cli::status_options status_options;
  auto* status = app.add_subcommand("status", "Print the farm: workers, queue, failures");
  status->add_option("--url", status_options.url, "the gateway")->capture_default_str();
  status->add_flag("--watch", status_options.watch, "redraw every second until Ctrl-C");
  status->add_flag("--json", status_options.json, "print the status endpoint's JSON");

  cli::local_farm_options up_options;
  auto* up = app.add_subcommand("up",
                                "Run a whole farm on this machine: a coordinator, "
                                "workers and a gateway as separate processes");
  up->add_option("--workers", up_options.workers, "number of worker processes")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  up->add_option("--port", up_options.gateway_port, "gateway port on 127.0.0.1")
      ->capture_default_str();
  up->add_option("--data-dir", up_options.data_dir, "queue, history and files")
      ->capture_default_str();
  up->add_flag("--enable-testing-nodes", up_options.enable_testing_nodes,
               "let workers run drover's testing nodes");
  up->add_option("--testing-speed", up_options.testing_speed,
                 "testing nodes wait their seconds divided by this")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  auto* up_lru = up->add_option("--cache-lru", up_options.cache_lru,
                                "workers keep up to N results across prompts");
  up->add_flag("--cache-none", up_options.cache_none, "workers reuse no results")
      ->excludes(up_lru);
  up->add_option("--node-packs", up_options.node_packs,
                 "workers load every *.so node pack of this folder")
      ->check(CLI::ExistingDirectory);

  coordinator::coordinator_options coordinator_options;
  endpoint_flag coordinator_listen{"", coordinator_options.listen};
  auto* coordinator_cmd = app.add_subcommand("coordinator", "Run the farm's coordinator");
  add_endpoint(coordinator_cmd, "--listen", coordinator_listen,
               "where workers and gateways reach the coordinator")
      ->required();
  coordinator_cmd
      ->add_option("--data-dir", coordinator_options.data_dir, "queue, history and files")
      ->required();
  coordinator_cmd
      ->add_option("--store-port", coordinator_options.store_port,
                   "result store port on the listen host (0: any)")
      ->capture_default_str();
  coordinator_cmd
      ->add_option("--retry-budget", coordinator_options.retry_budget,
                   "workers a prompt may lose before it fails")
      ->check(CLI::Range(1u, 100u))
      ->capture_default_str();

  worker::worker_options worker_options;
  endpoint_flag worker_coordinator;
  auto* worker_cmd =
      app.add_subcommand("worker", "Run a worker that joins a coordinator");
  add_endpoint(worker_cmd, "--coordinator", worker_coordinator,
               "the coordinator's address")
      ->required();
  worker_cmd->add_option("--name", worker_options.name, "a name for logs and status");
  worker_cmd->add_option("--advertise-host", worker_options.advertise_host,
                         "address other hosts reach this worker at (default: detected)");
  worker_cmd->add_option("--bind-host", worker_options.bind_host,
                         "address the event sockets bind (default: the advertised one)");
  worker_cmd
      ->add_option("--events-port", worker_options.events_port,
                   "port of the events socket (default: any free one)")
      ->check(CLI::Range(0, 65535));
  worker_cmd
      ->add_option("--replay-port", worker_options.replay_port,
                   "port of the replay socket (default: any free one)")
      ->check(CLI::Range(0, 65535));
  worker_cmd->add_option("--event-spill-dir", worker_options.event_spill_dir,
                         "where events past the memory bound wait for late replays "
                         "(default: a temporary folder)");
  worker_cmd->add_flag("--enable-testing-nodes", worker_options.enable_testing_nodes,
                       "register drover's testing nodes");
  worker_cmd
      ->add_option("--testing-speed", worker_options.testing_speed,
                   "testing nodes wait their seconds divided by this")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  auto* worker_lru = worker_cmd->add_option("--cache-lru", worker_options.cache_lru,
                                            "keep up to N results across prompts");
  worker_cmd->add_flag("--cache-none", worker_options.cache_none, "reuse no results")
      ->excludes(worker_lru);
  worker_cmd
      ->add_option("--node-packs", worker_options.node_packs,
                   "load every *.so node pack of this folder (docs/node-packs.md)")
      ->check(CLI::ExistingDirectory);
  worker_cmd
      ->add_option("--backend", worker_options.backends,
                   "comfyui=URL: also run the classes of that ComfyUI server; repeat "
                   "for several (docs/backends.md)")
      ->check([](const std::string& spec) {
        auto parsed = worker::comfyui_backend::parse(spec);
        return parsed ? std::string{} : parsed.error().message;
      });
  worker_cmd
      ->add_option("--backend-file", worker_options.backend_file,
                   "more backends, one comfyui=URL per line")
      ->check(CLI::ExistingFile);

  gateway::gateway_options gateway_options;
  endpoint_flag gateway_coordinator;
  endpoint_flag gateway_listen{"", gateway_options.listen};
  auto* gateway_cmd =
      app.add_subcommand("gateway", "Serve ComfyUI's HTTP and WebSocket API for a farm");
  add_endpoint(gateway_cmd, "--coordinator", gateway_coordinator,
               "the coordinator's address")
      ->required();
  add_endpoint(gateway_cmd, "--listen", gateway_listen, "where clients connect")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "drover: %s (see drover --help)\n", e.what());
    return e.get_exit_code() == 0 ? 2 : e.get_exit_code();
  }

  actors::init_logging(log_level);
  if (submit->parsed()) {
    return cli::run_submit(submit_options);
  }
  if (status->parsed()) {
    return cli::run_status(status_options);
  }
  if (up->parsed()) {
    up_options.binary = own_executable(argv[0]);
    up_options.log_level = log_level;
    return cli::run_up(up_options);
  }
  if (coordinator_cmd->parsed()) {
    coordinator_options.listen = coordinator_listen.value;
    coordinator_options.log_level = log_level;
    return coordinator::run_coordinator(coordinator_options);
  }
  if (worker_cmd->parsed()) {
    worker_options.coordinator = worker_coordinator.value;
    worker_options.log_level = log_level;
    return worker::run_worker(worker_options);
  }
  gateway_options.coordinator = gateway_coordinator.value;
  gateway_options.listen = gateway_listen.value;
  gateway_options.log_level = log_level;
  return gateway::run_gateway(gateway_options);
}
