#include "actors/termination.hpp"

#include <pthread.h>
#include <signal.h>

namespace drover::actors {

namespace {

sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void block_termination_signals() {
  auto set = termination_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A peer that vanishes mid-write must not kill the process.
  signal(SIGPIPE, SIG_IGN);
}

int wait_for_termination_signal() {
  auto set = termination_set();
  int received = 0;
  while (sigwait(&set, &received) != 0) {
  }
  return received;
}

}  // namespace drover::actors
