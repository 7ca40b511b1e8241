#include "cli/up_command.hpp"

#include <cstdio>

#include "actors/log.hpp"
#include "actors/termination.hpp"

namespace drover::cli {

int run_up(const local_farm_options& options) {
  auto log = actors::logger("cli");
  auto farm = local_farm::start(options);
  if (!farm) {
    log->error("farm did not start reason=\"{}\"", actors::describe(farm.error()));
    return 1;
  }

  std::printf("drover farm ready: %s (%u workers, data in %s). Press Ctrl-C to stop.\n",
              farm.value().url().c_str(), options.workers, options.data_dir.c_str());
  std::fflush(stdout);

  // Children live in their own process groups, so a terminal's Ctrl-C
  // reaches only this process, which then stops them in order.
  int exit_code = 0;
  while (true) {
    if (int signal =
            actors::wait_for_termination_signal_for(std::chrono::milliseconds{200})) {
      log->info("stopping farm signal={}", signal);
      break;
    }
    if (auto ended = farm.value().ended_process()) {
      log->error("farm process ended unexpectedly process=\"{}\"", *ended);
      exit_code = 1;
      break;
    }
  }
  farm.value().stop();
  std::printf("drover farm stopped\n");
  return exit_code;
}

}  // namespace drover::cli
