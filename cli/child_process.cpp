#include "cli/child_process.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace drover::cli {

namespace {

using actors::errc;
using actors::fail;

std::string join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) {
      out += ' ';
    }
    out += arg;
  }
  return out;
}

// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(char* const* argv, int stdout_fd, pid_t parent) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) {
    _exit(127);  // the launcher died between fork and prctl
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  dup2(stdout_fd, STDOUT_FILENO);
  close(stdout_fd);
  execv(argv[0], argv);
  _exit(127);
}

}  // namespace

actors::result<child_process> child_process::spawn(std::vector<std::string> argv) {
  if (argv.empty()) {
    return fail(errc::invalid_input, "no program to start");
  }
  std::vector<char*> raw;
  for (auto& arg : argv) {
    raw.push_back(arg.data());
  }
  raw.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return fail(errc::io_failure, std::string{"pipe: "} + std::strerror(errno));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return fail(errc::io_failure, std::string{"fork: "} + std::strerror(errno));
  }
  if (pid == 0) {
    close(fds[0]);
    exec_child(raw.data(), fds[1], parent);
  }
  close(fds[1]);
  return child_process{pid, fds[0], join(argv)};
}

child_process::child_process(child_process&& other) noexcept
    : pid_(other.pid_),
      stdout_fd_(other.stdout_fd_),
      status_(other.status_),
      pending_(std::move(other.pending_)),
      description_(std::move(other.description_)) {
  other.pid_ = -1;
  other.stdout_fd_ = -1;
}

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = other.pid_;
    stdout_fd_ = other.stdout_fd_;
    status_ = other.status_;
    pending_ = std::move(other.pending_);
    description_ = std::move(other.description_);
    other.pid_ = -1;
    other.stdout_fd_ = -1;
  }
  return *this;
}

child_process::~child_process() {
  release();
}

void child_process::release() {
  if (pid_ > 0 && !poll_exit()) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (stdout_fd_ >= 0) {
    close(stdout_fd_);
  }
  pid_ = -1;
  stdout_fd_ = -1;
}

actors::result<actors::ready_line> child_process::wait_ready(
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    for (auto eol = pending_.find('\n'); eol != std::string::npos;
         eol = pending_.find('\n')) {
      std::string line = pending_.substr(0, eol);
      pending_.erase(0, eol + 1);
      if (auto ready = actors::ready_line::parse(line)) {
        return *ready;
      }
    }

    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return fail(errc::timeout, description_ + " printed no ready line within " +
                                     std::to_string(timeout.count()) + " ms");
    }
    pollfd item{stdout_fd_, POLLIN, 0};
    int polled = poll(&item, 1, static_cast<int>(left.count()));
    if (polled < 0 && errno != EINTR) {
      return fail(errc::io_failure, std::string{"poll: "} + std::strerror(errno));
    }
    if (polled <= 0) {
      continue;
    }
    char buffer[4096];
    ssize_t got = read(stdout_fd_, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      // stdout closed: give the exit status a moment to become visible.
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
      auto status = poll_exit();
      return fail(errc::unavailable,
                  description_ + " ended before it was ready (" +
                      (status ? describe_exit(*status) : std::string{"stdout closed"}) +
                      ")");
    }
    pending_.append(buffer, static_cast<std::size_t>(got));
  }
}

std::optional<int> child_process::poll_exit() {
  if (status_ || pid_ <= 0) {
    return status_;
  }
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
  }
  return status_;
}

void child_process::send_signal(int signal) {
  if (pid_ > 0 && !poll_exit()) {
    kill(pid_, signal);
  }
}

int child_process::stop(std::chrono::milliseconds grace) {
  send_signal(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (!poll_exit() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  if (!poll_exit()) {
    send_signal(SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    status_ = status;
  }
  return *status_;
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) {
    return "exit " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "signal " + std::to_string(WTERMSIG(status));
  }
  return "status " + std::to_string(status);
}

}  // namespace drover::cli
