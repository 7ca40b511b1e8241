// Scenario: a person types `drover` commands, right and wrong.

#include <cstdio>
#include <string>
#include <sys/wait.h>

#include <doctest/doctest.h>

namespace {

struct command_result {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr together
};

command_result run_drover(const std::string& arguments) {
  std::string command = std::string{DROVER_BINARY} + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  command_result result;
  char buffer[4096];
  while (std::size_t got = std::fread(buffer, 1, sizeof buffer, pipe)) {
    result.output.append(buffer, got);
  }
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::size_t line_count(const std::string& text) {
  std::size_t lines = 0;
  for (char c : text) {
    lines += c == '\n';
  }
  return lines;
}

TEST_CASE("every subcommand explains itself with --help") {
  for (const char* sub : {"", "up", "coordinator", "worker", "gateway"}) {
    CAPTURE(sub);
    auto result = run_drover(std::string{sub} + " --help");
    CHECK(result.exit_code == 0);
    CHECK(result.output.find("Usage") != std::string::npos);
  }
  CHECK(run_drover("worker --help").output.find("--coordinator") != std::string::npos);
  CHECK(run_drover("up --help").output.find("--workers") != std::string::npos);
}

TEST_CASE("bad flags give a one-line error and a non-zero exit") {
  const char* bad[] = {
      "",                              // no subcommand
      "fly",                           // unknown subcommand
      "worker --bogus",                // unknown flag
      "worker",                        // missing --coordinator
      "worker --coordinator nowhere",  // no port
      "gateway --coordinator 127.0.0.1:99999 --listen 127.0.0.1:0",  // port range
      "up --workers 0",                                              // out of range
      "up --workers many",                                           // not a number
      "coordinator --listen 127.0.0.1:1",                            // missing --data-dir
      "worker --coordinator 127.0.0.1:1 --backend http://127.0.0.1:8188",  // no kind
      "worker --coordinator 127.0.0.1:1 --backend-file /nonexistent",      // no file
  };
  for (const char* arguments : bad) {
    CAPTURE(arguments);
    auto result = run_drover(arguments);
    CHECK(result.exit_code != 0);
    CHECK(line_count(result.output) == 1);
    CHECK(result.output.rfind("drover: ", 0) == 0);
  }
}

}  // namespace
