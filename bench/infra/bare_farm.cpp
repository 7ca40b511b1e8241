#include "bench/infra/bare_farm.hpp"

#include <chrono>

namespace drover::bench {

namespace {

constexpr auto start_timeout = std::chrono::seconds{30};

}  // namespace

actors::result<bare_farm> start_bare_farm(const std::string& binary,
                                          const std::string& data_dir) {
  DROVER_TRY(coordinator,
             cli::child_process::spawn({binary, "coordinator", "--listen", "127.0.0.1:0",
                                        "--data-dir", data_dir, "--log-level", "warn"}));
  DROVER_TRY(coordinator_ready, coordinator.wait_ready(start_timeout));
  DROVER_TRY(gateway,
             cli::child_process::spawn({binary, "gateway", "--coordinator",
                                        coordinator_ready.fields["listen"], "--listen",
                                        "127.0.0.1:0", "--log-level", "warn"}));
  DROVER_TRY(gateway_ready, gateway.wait_ready(start_timeout));
  DROVER_TRY(address, client::parse_url(gateway_ready.fields["url"]));
  return bare_farm{std::move(coordinator), std::move(gateway),
                   coordinator_ready.fields["store"], address};
}

}  // namespace drover::bench
