#include "coordinator/coordinator_process.hpp"

#include <filesystem>
#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/actor_system_setup.hpp"
#include "actors/ids.hpp"
#include "actors/log.hpp"
#include "actors/ready_line.hpp"
#include "actors/termination.hpp"
#include "coordinator/coordinator_actor.hpp"
#include "coordinator/prompt_store.hpp"
#include "coordinator/result_store.hpp"

namespace drover::coordinator {

namespace {

/// Everything the process runs, in the order it is started; stopped in
/// reverse by the destructor order of the caller's locals.
int serve(const coordinator_options& options, prompt_store& store, result_store& files) {
  auto log = actors::logger("coordinator");
  caf::actor_system_config cfg;
  actors::configure_actor_system(cfg);
  caf::actor_system system{cfg};

  coordinator_setup setup;
  setup.store = &store;
  setup.coordinator_id = actors::new_uuid();
  setup.store_port = files.port();
  setup.retry_budget = options.retry_budget;
  setup.file_exists = [&files](const std::string& type, const std::string& path) {
    return files.exists(type, path);
  };
  setup.list_inputs = [&files] {
    return files.list("input");
  };
  setup.types = content_types::for_this_host();
  auto coordinator = spawn_coordinator(system, std::move(setup));

  auto published = system.middleman().publish(coordinator, options.listen.port,
                                              options.listen.host.c_str(), true);
  if (!published) {
    log->error("coordinator not published listen={} error={}", options.listen.to_string(),
               system.render(published.error()));
    caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
    return 1;
  }

  actors::endpoint bound{options.listen.host, published.value()};
  actors::endpoint store_at{options.listen.host, files.port()};
  actors::ready_line ready{
      "coordinator", {{"listen", bound.to_string()}, {"store", store_at.zmq_address()}}};
  std::cout << ready.to_string() << std::endl;
  log->info("coordinator ready listen={} store={}", bound.to_string(),
            store_at.zmq_address());

  int signal = actors::wait_for_termination_signal();
  log->info("coordinator stopping signal={}", signal);
  system.middleman().unpublish(coordinator, published.value());
  caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
  return 0;
}

}  // namespace

int run_coordinator(const coordinator_options& options) {
  actors::init_logging(options.log_level);
  auto log = actors::logger("coordinator");
  try {
    std::error_code ec;
    std::filesystem::create_directories(options.data_dir, ec);
    if (ec) {
      log->error("data dir not usable data_dir={} error={}", options.data_dir,
                 ec.message());
      return 1;
    }
    auto store = prompt_store::open(options.data_dir + "/drover.sqlite3");
    if (!store) {
      log->error("database not opened data_dir={} error={}", options.data_dir,
                 actors::describe(store.error()));
      return 1;
    }
    auto files = result_store::start(options.data_dir + "/files", options.listen.host,
                                     options.store_port);
    if (!files) {
      log->error("result store not started error={}", actors::describe(files.error()));
      return 1;
    }
    int code = serve(options, *store.value(), *files.value());
    files.value()->stop();
    log->info("coordinator stopped code={}", code);
    return code;
  } catch (const std::exception& ex) {
    log->error("coordinator failed error={}", ex.what());
    return 1;
  }
}

}  // namespace drover::coordinator
