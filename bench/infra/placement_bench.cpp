#include "bench/infra/placement_bench.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include <caf/all.hpp>

#include "actors/actor_system_setup.hpp"
#include "actors/event.hpp"
#include "actors/json.hpp"
#include "bench/infra/coordinator_load.hpp"
#include "coordinator/coordinator_actor.hpp"
#include "coordinator/prompt_store.hpp"

namespace drover::bench {

namespace {

using clock = std::chrono::steady_clock;

/// Counts placements across every simulated worker, notes the time at each
/// window boundary and wakes the bench at the last one.
struct placement_counter {
  std::size_t window = 0;
  std::size_t target = 0;
  std::atomic<std::size_t> placed{0};
  std::vector<clock::time_point> boundaries;  ///< written once per slot, by one worker
  std::promise<void> last;

  void count() {
    auto n = placed.fetch_add(1) + 1;
    if (n % window == 0 && n <= target) {
      boundaries[n / window - 1] = clock::now();
    }
    if (n == target) {
      last.set_value();
    }
  }
};

/// A worker of one slot that finishes every fragment at once.
caf::behavior simulated_worker(caf::event_based_actor* self, caf::actor coordinator,
                               std::shared_ptr<placement_counter> counter) {
  return {
      [=](const actors::worker_welcome&) {},
      [=](const actors::run_fragment& run) {
        actors::fragment_done done;
        done.prompt_id = run.prompt_id;
        done.fragment = run.fragment;
        done.attempt = run.attempt;
        done.outcome = static_cast<std::uint8_t>(actors::fragment_outcome::success);
        done.detail_json = "{}";
        done.outputs_json = "{}";
        done.meta_json = "{}";
        self->send(coordinator, std::move(done));
        counter->count();
      },
  };
}

actors::worker_hello hello_of(std::size_t index, const std::string& catalog) {
  auto id = "sim-" + std::to_string(index);
  return actors::worker_hello{id,
                              id,
                              "localhost",
                              static_cast<std::int64_t>(::getpid()),
                              1,
                              "tcp://127.0.0.1:1/" + id,
                              "tcp://127.0.0.1:2/" + id,
                              catalog,
                              "{}",
                              ""};
}

/// A temporary folder removed with its contents on destruction.
struct scratch_dir {
  std::filesystem::path path;
  scratch_dir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "drover-bench-XXXXXX").string();
    path = ::mkdtemp(pattern.data()) ? pattern : std::string{};
  }
  ~scratch_dir() {
    std::error_code ignored;  // a leftover temp folder is harmless
    std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace

actors::result<placement_run> run_placement(std::size_t workers, std::size_t prompts,
                                            std::size_t window, std::size_t windows) {
  if (window == 0 || prompts < (windows + 1) * window) {
    return actors::fail(actors::errc::invalid_input, "too few prompts for the windows");
  }
  scratch_dir dir;
  DROVER_TRY(store,
             coordinator::prompt_store::open((dir.path / "queue.sqlite3").string()));
  DROVER_TRY(catalog, small_catalog());

  // A remembered worker makes prompts wait instead of being refused.
  DROVER_TRYV(store->save_catalog("remembered", json::parse(catalog)));
  caf::actor_system_config cfg;
  actors::configure_actor_system(cfg);
  caf::actor_system system{cfg};
  auto coordinator = coordinator::spawn_coordinator(
      system, {store.get(), "bench-coordinator", 0, {}, {}, {}});

  placement_run run;
  {
    caf::scoped_actor self{system};
    auto submitted = submit_trivial_prompts(self, coordinator, prompts);
    if (!submitted) {
      caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
      return submitted.error();
    }
    run.submit_seconds = submitted.value();
  }

  auto counter = std::make_shared<placement_counter>();
  counter->window = window;
  counter->target = (windows + 1) * window;
  counter->boundaries.resize(windows + 1);
  auto last = counter->last.get_future();
  std::vector<caf::actor> simulated;
  for (std::size_t i = 0; i < workers; ++i) {
    simulated.push_back(system.spawn(simulated_worker, coordinator, counter));
    caf::send_as(simulated.back(), coordinator, hello_of(i, catalog));
  }
  auto ready = last.wait_for(std::chrono::minutes{5});
  for (std::size_t i = 1; ready == std::future_status::ready && i <= windows; ++i) {
    auto seconds = std::chrono::duration<double>(counter->boundaries[i] -
                                                 counter->boundaries[i - 1]);
    run.per_second.push_back(window / seconds.count());
  }
  // The actor system waits for every actor at its end.
  for (auto& worker : simulated) {
    caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
  }
  caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
  if (ready != std::future_status::ready) {
    return actors::fail(actors::errc::timeout,
                        "only " + std::to_string(counter->placed.load()) + " of " +
                            std::to_string(counter->target) +
                            " prompts placed in 5 minutes");
  }
  return run;
}

}  // namespace drover::bench
