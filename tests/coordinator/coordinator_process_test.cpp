#include "coordinator/coordinator_process.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <doctest/doctest.h>
#include <zmq.hpp>

#include "actors/actor_system_setup.hpp"
#include "actors/messages.hpp"
#include "actors/ready_line.hpp"
#include "actors/store_client.hpp"
#include "actors/termination.hpp"
#include "tests/coordinator/temp_dir.hpp"

namespace drover::coordinator {

namespace {

/// A coordinator process forked from the test, its stdout on a pipe. Fork
/// only while the test holds no other threads (a lock held by one would stay
/// held in the child).
struct child_coordinator {
  pid_t pid = -1;
  int out = -1;

  explicit child_coordinator(const coordinator_options& options) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::cout.flush();  // the child must not repeat the test runner's buffered output
    std::fflush(nullptr);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      actors::block_termination_signals();
      _exit(run_coordinator(options));
    }
    close(fds[1]);
    out = fds[0];
  }

  ~child_coordinator() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    close(out);
  }

  /// The ready line on stdout, or nullopt when none came within 20 s.
  std::optional<actors::ready_line> ready() {
    for (auto line = next_line(); !line.empty(); line = next_line()) {
      if (auto parsed = actors::ready_line::parse(line)) {
        return parsed;
      }
    }
    return std::nullopt;
  }

  /// The next stdout line, or "" when none came within 20 s.
  std::string next_line() {
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd item{out, POLLIN, 0};
      if (poll(&item, 1, 200) <= 0) {
        continue;
      }
      char c;
      if (read(out, &c, 1) != 1) {
        return "";
      }
      if (c == '\n') {
        return line;
      }
      line += c;
    }
    return "";
  }

  /// Exit code after SIGTERM; -1 when it did not exit within 20 s.
  int terminate() {
    kill(pid, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      pollfd none{-1, 0, 0};
      poll(&none, 0, 100);  // waitpid cannot be awaited with a timeout
    }
    return -1;
  }
};

int run_child(const coordinator_options& options) {
  child_coordinator child{options};
  int status = 0;
  waitpid(child.pid, &status, 0);
  child.pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("the coordinator serves, prints its ready line and stops cleanly on SIGTERM") {
  test::temp_dir dir;
  coordinator_options options;
  options.listen = {"127.0.0.1", 0};
  options.data_dir = dir.file("data");
  options.log_level = "warn";
  child_coordinator child{options};

  auto ready = child.ready();
  REQUIRE(ready);
  CHECK(ready->role == "coordinator");
  auto listen = ready->fields.at("listen");
  auto store = ready->fields.at("store");
  CHECK(listen.rfind("127.0.0.1:", 0) == 0);
  CHECK(store.rfind("tcp://127.0.0.1:", 0) == 0);
  CHECK(std::filesystem::exists(dir.path() / "data" / "drover.sqlite3"));

  zmq::context_t context;
  actors::store_client client{context, store};
  REQUIRE(client.put({"input", "", "a.png"}, "bytes"));
  CHECK(client.get({"input", "", "a.png"}).value() == "bytes");

  {
    caf::actor_system_config cfg;
    actors::configure_actor_system(cfg);
    caf::actor_system system{cfg};
    auto port =
        static_cast<std::uint16_t>(std::stoi(listen.substr(listen.rfind(':') + 1)));
    auto coordinator = system.middleman().remote_actor("127.0.0.1", port);
    REQUIRE(coordinator);
    caf::scoped_actor self{system};
    actors::farm_snapshot snapshot;
    self->request(*coordinator, std::chrono::seconds{10}, actors::gateway_hello{"g", "g"})
        .receive([&](const actors::farm_snapshot& s) { snapshot = s; },
                 [&](const caf::error& e) { FAIL(system.render(e)); });
    CHECK(std::to_string(snapshot.store_port) == store.substr(store.rfind(':') + 1));
  }
  CHECK(child.terminate() == 0);
}

TEST_CASE("the coordinator exits 1 when its data dir cannot be created") {
  coordinator_options options;
  options.listen = {"127.0.0.1", 0};
  options.data_dir = "/proc/drover-cannot-exist";
  options.log_level = "off";
  CHECK(run_child(options) == 1);
}

TEST_CASE("the coordinator exits 1 when its ports are taken") {
  test::temp_dir dir;
  // A plain listening socket: the test must hold no threads when it forks.
  int holder = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(holder >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(listen(holder, 1) == 0);
  socklen_t length = sizeof address;
  REQUIRE(getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  auto taken = ntohs(address.sin_port);

  coordinator_options options;
  options.data_dir = dir.file("data");
  options.log_level = "off";
  options.listen = {"127.0.0.1", 0};
  options.store_port = taken;
  CHECK(run_child(options) == 1);

  options.listen = {"127.0.0.1", taken};
  options.store_port = 0;
  CHECK(run_child(options) == 1);
  close(holder);
}

}  // namespace drover::coordinator
