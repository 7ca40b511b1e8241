#include "bench/infra/coordinator_memory.hpp"

#include <chrono>
#include <filesystem>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/actor_system_setup.hpp"
#include "actors/endpoint.hpp"
#include "bench/infra/coordinator_load.hpp"
#include "cli/child_process.hpp"

namespace drover::bench {

namespace {

constexpr auto start_timeout = std::chrono::seconds{30};

/// Says hello as a worker of one slot that never answers its run_fragment.
actors::result<void> join_idle_worker(caf::scoped_actor& self,
                                      const caf::actor& coordinator) {
  DROVER_TRY(catalog, small_catalog());
  actors::worker_hello hello{"idle-worker",
                             "idle-worker",
                             "localhost",
                             static_cast<std::int64_t>(::getpid()),
                             1,
                             "tcp://127.0.0.1:1",
                             "tcp://127.0.0.1:2",
                             catalog,
                             "{}"};
  std::string failure;
  self->request(coordinator, start_timeout, hello)
      .receive([](const actors::worker_welcome&) {},
               [&](const caf::error& e) { failure = self->system().render(e); });
  if (!failure.empty()) {
    return actors::fail(actors::errc::unavailable, "worker_hello: " + failure);
  }
  return actors::ok();
}

/// Queues the prompts on a coordinator started on `data_dir`.
actors::result<rss_growth> measure_in(const std::string& binary, std::size_t prompts,
                                      const std::string& data_dir) {
  DROVER_TRY(process,
             cli::child_process::spawn({binary, "coordinator", "--listen", "127.0.0.1:0",
                                        "--data-dir", data_dir, "--log-level", "warn"}));
  DROVER_TRY(ready, process.wait_ready(start_timeout));
  DROVER_TRY(endpoint, actors::parse_endpoint(ready.fields["listen"]));

  rss_growth growth;
  DROVER_TRY(before, rss_mib(process.pid()));
  growth.before_mib = before;
  caf::actor_system_config cfg;
  actors::configure_actor_system(cfg);
  caf::actor_system system{cfg};
  auto coordinator = system.middleman().remote_actor(endpoint.host, endpoint.port);
  if (!coordinator) {
    return actors::fail(actors::errc::unavailable, system.render(coordinator.error()));
  }
  caf::scoped_actor self{system};
  DROVER_TRYV(join_idle_worker(self, *coordinator));
  DROVER_TRY(seconds, submit_trivial_prompts(self, *coordinator, prompts));
  growth.submit_seconds = seconds;
  DROVER_TRY(after, rss_mib(process.pid()));
  growth.after_mib = after;
  return growth;
}

}  // namespace

actors::result<rss_growth> coordinator_rss(const std::string& binary,
                                           std::size_t prompts) {
  std::string data_dir =
      (std::filesystem::temp_directory_path() / "drover-bench-XXXXXX").string();
  if (!::mkdtemp(data_dir.data())) {
    return actors::fail(actors::errc::io_failure, "cannot create a temp folder");
  }
  auto growth = measure_in(binary, prompts, data_dir);
  std::error_code ignored;  // a leftover temp folder is harmless
  std::filesystem::remove_all(data_dir, ignored);
  return growth;
}

}  // namespace drover::bench
