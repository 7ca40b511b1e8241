#include "cli/local_farm.hpp"

#include "actors/log.hpp"

namespace drover::cli {

namespace {

using actors::errc;
using actors::fail;

constexpr std::chrono::milliseconds stop_grace{5000};

actors::result<std::string> ready_field(const actors::ready_line& line,
                                        const std::string& key) {
  auto it = line.fields.find(key);
  if (it == line.fields.end() || it->second.empty()) {
    return fail(errc::protocol, "ready line of " + line.role + " lacks " + key);
  }
  return it->second;
}

std::vector<std::string> worker_command(const local_farm_options& options,
                                        const std::string& coordinator,
                                        std::uint32_t index) {
  std::vector<std::string> argv{options.binary,  "worker",
                                "--coordinator", coordinator,
                                "--name",        "worker-" + std::to_string(index + 1),
                                "--log-level",   options.log_level};
  if (options.enable_testing_nodes) {
    argv.push_back("--enable-testing-nodes");
  }
  if (options.cache_none) {
    argv.push_back("--cache-none");
  } else if (options.cache_lru > 0) {
    argv.push_back("--cache-lru");
    argv.push_back(std::to_string(options.cache_lru));
  }
  if (options.testing_speed != 1.0) {
    argv.push_back("--testing-speed");
    argv.push_back(std::to_string(options.testing_speed));
  }
  if (!options.node_packs.empty()) {
    argv.push_back("--node-packs");
    argv.push_back(options.node_packs);
  }
  if (index < options.worker_args.size()) {
    const auto& extra = options.worker_args[index];
    argv.insert(argv.end(), extra.begin(), extra.end());
  }
  return argv;
}

std::vector<std::string> coordinator_command(const local_farm_options& options,
                                             const std::string& listen) {
  std::vector<std::string> argv{options.binary, "coordinator",    "--listen",
                                listen,         "--data-dir",     options.data_dir,
                                "--log-level",  options.log_level};
  argv.insert(argv.end(), options.coordinator_args.begin(),
              options.coordinator_args.end());
  return argv;
}

}  // namespace

actors::result<local_farm> local_farm::start(const local_farm_options& options) {
  auto log = actors::logger("cli");
  local_farm farm;
  farm.options_ = options;

  // Ports are chosen by the kernel (port 0) and learnt from ready lines, so
  // that nothing races for a free port.
  DROVER_TRY(coordinator,
             child_process::spawn(coordinator_command(options, options.host + ":0")));
  farm.processes_.push_back(std::move(coordinator));
  DROVER_TRY(coordinator_ready, farm.processes_.back().wait_ready(options.start_timeout));
  DROVER_TRY(coordinator_endpoint, ready_field(coordinator_ready, "listen"));
  farm.coordinator_endpoint_ = coordinator_endpoint;
  DROVER_TRY(store, ready_field(coordinator_ready, "store"));
  farm.store_port_ = store.substr(store.rfind(':') + 1);
  log->info("process ready role=coordinator pid={} listen={}",
            farm.processes_.back().pid(), coordinator_endpoint);

  for (std::uint32_t i = 0; i < options.workers; ++i) {
    DROVER_TRY(worker,
               child_process::spawn(worker_command(options, coordinator_endpoint, i)));
    farm.processes_.push_back(std::move(worker));
  }
  for (std::uint32_t i = 0; i < options.workers; ++i) {
    auto& worker = farm.processes_[1 + i];
    DROVER_TRY(ready, worker.wait_ready(options.start_timeout));
    log->info("process ready role=worker pid={} name={}", worker.pid(),
              ready.fields.count("name") ? ready.fields.at("name") : "");
  }

  DROVER_TRY(gateway,
             child_process::spawn(
                 {options.binary, "gateway", "--coordinator", coordinator_endpoint,
                  "--listen", options.host + ":" + std::to_string(options.gateway_port),
                  "--log-level", options.log_level}));
  farm.processes_.push_back(std::move(gateway));
  DROVER_TRY(gateway_ready, farm.processes_.back().wait_ready(options.start_timeout));
  DROVER_TRY(gateway_endpoint, ready_field(gateway_ready, "listen"));
  DROVER_TRY(url, ready_field(gateway_ready, "url"));
  farm.gateway_endpoint_ = gateway_endpoint;
  farm.url_ = url;
  log->info("process ready role=gateway pid={} url={}", farm.processes_.back().pid(),
            url);
  return farm;
}

actors::result<void> local_farm::restart_coordinator() {
  if (processes_.empty()) {
    return fail(errc::invalid_input, "the farm is not running");
  }
  auto& old = processes_.front();
  if (old.pid() > 0) {
    old.stop(stop_grace);
  }
  auto argv = coordinator_command(options_, coordinator_endpoint_);
  argv.insert(argv.end(), {"--store-port", store_port_});
  DROVER_TRY(coordinator, child_process::spawn(std::move(argv)));
  processes_.front() = std::move(coordinator);
  DROVER_TRY(ready, processes_.front().wait_ready(options_.start_timeout));
  actors::logger("cli")->info(
      "process restarted role=coordinator pid={} listen={}", processes_.front().pid(),
      ready.fields.count("listen") ? ready.fields.at("listen") : "");
  return actors::ok();
}

actors::result<void> local_farm::restart_gateway() {
  if (processes_.size() < 2) {
    return fail(errc::invalid_input, "the farm is not running");
  }
  auto& old = processes_.back();
  if (old.pid() > 0) {
    old.stop(stop_grace);
  }
  DROVER_TRY(gateway,
             child_process::spawn({options_.binary, "gateway", "--coordinator",
                                   coordinator_endpoint_, "--listen", gateway_endpoint_,
                                   "--log-level", options_.log_level}));
  processes_.back() = std::move(gateway);
  DROVER_TRYV(processes_.back().wait_ready(options_.start_timeout));
  actors::logger("cli")->info("process restarted role=gateway pid={} listen={}",
                              processes_.back().pid(), gateway_endpoint_);
  return actors::ok();
}

std::optional<std::string> local_farm::ended_process() {
  for (auto& process : processes_) {
    if (auto status = process.poll_exit()) {
      return process.description() + " (" + describe_exit(*status) + ")";
    }
  }
  return std::nullopt;
}

void local_farm::stop() {
  auto log = actors::logger("cli");
  for (auto it = processes_.rbegin(); it != processes_.rend(); ++it) {
    if (it->pid() <= 0) {
      continue;
    }
    int status = it->stop(stop_grace);
    log->info("process stopped pid={} status=\"{}\"", it->pid(), describe_exit(status));
  }
  processes_.clear();
}

}  // namespace drover::cli
