#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "actors/ready_line.hpp"
#include "actors/result.hpp"

namespace drover::cli {

/// One drover role running as a child OS process. The child gets its own
/// process group (so that a terminal's Ctrl-C reaches only the launcher,
/// which then stops its children in order), an unblocked signal mask, and is
/// sent SIGTERM should the launcher die. Its stdout is a pipe the launcher
/// reads the ready line from (docs/actors.md §1); its stderr is inherited.
/// Not thread-safe. Destroying a running child kills and reaps it.
class child_process {
 public:
  /// Starts `argv[0]` (a path) with the given arguments.
  static actors::result<child_process> spawn(std::vector<std::string> argv);

  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();

  pid_t pid() const { return pid_; }
  /// The command line, for logs: "drover worker --coordinator …".
  const std::string& description() const { return description_; }

  /// Reads the child's stdout until its ready line. Fails with errc::timeout
  /// after `timeout`, and with errc::unavailable when the child exits or
  /// closes stdout first.
  actors::result<actors::ready_line> wait_ready(std::chrono::milliseconds timeout);

  /// The exit status (as `waitpid` encodes it) once the child has ended;
  /// nullopt while it runs. Never blocks.
  std::optional<int> poll_exit();

  /// Sends `signal` to the child; does nothing once it has been reaped.
  void send_signal(int signal);

  /// SIGTERM, then waits up to `grace` before SIGKILL. Returns the exit
  /// status as `waitpid` encodes it.
  int stop(std::chrono::milliseconds grace);

 private:
  child_process(pid_t pid, int stdout_fd, std::string description)
      : pid_(pid), stdout_fd_(stdout_fd), description_(std::move(description)) {}
  void release();

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::optional<int> status_;
  std::string pending_;  ///< stdout bytes read but not yet split into lines
  std::string description_;
};

/// A readable description of a `waitpid` status: "exit 0", "signal 9".
std::string describe_exit(int status);

}  // namespace drover::cli
