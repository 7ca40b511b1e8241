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

int wait_for_termination_signal_for(std::chrono::milliseconds timeout) {
  auto set = termination_set();
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timespec wait{};
  wait.tv_sec = static_cast<time_t>(seconds.count());
  wait.tv_nsec = static_cast<long>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(timeout - seconds).count());
  int received = sigtimedwait(&set, nullptr, &wait);
  return received > 0 ? received : 0;
}

}  // namespace drover::actors
