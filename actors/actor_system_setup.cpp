#include "actors/actor_system_setup.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/io/middleman.hpp>
#include <caf/timespan.hpp>

#include "actors/messages.hpp"

namespace drover::actors {

namespace {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<worker_hello>("drover.worker_hello");
  cfg.add_message_type<worker_welcome>("drover.worker_welcome");
  cfg.add_message_type<fragment_done>("drover.fragment_done");
  cfg.add_message_type<run_fragment>("drover.run_fragment");
  cfg.add_message_type<interrupt_prompt>("drover.interrupt_prompt");
  cfg.add_message_type<gateway_hello>("drover.gateway_hello");
  cfg.add_message_type<worker_endpoints>("drover.worker_endpoints");
  cfg.add_message_type<farm_snapshot>("drover.farm_snapshot");
  cfg.add_message_type<submit_prompt>("drover.submit_prompt");
  cfg.add_message_type<submit_reply>("drover.submit_reply");
  cfg.add_message_type<history_query>("drover.history_query");
  cfg.add_message_type<queue_query>("drover.queue_query");
  cfg.add_message_type<catalog_query>("drover.catalog_query");
  cfg.add_message_type<farm_query>("drover.farm_query");
  cfg.add_message_type<queue_edit>("drover.queue_edit");
  cfg.add_message_type<history_edit>("drover.history_edit");
  cfg.add_message_type<farm_status_query>("drover.farm_status_query");
  cfg.add_message_type<worker_update>("drover.worker_update");
  cfg.add_message_type<free_memory>("drover.free_memory");
  cfg.add_message_type<queue_changed>("drover.queue_changed");
  cfg.add_message_type<planned_fragment>("drover.planned_fragment");
  cfg.add_message_type<prompt_planned>("drover.prompt_planned");
  cfg.add_message_type<finished_fragment>("drover.finished_fragment");
  cfg.add_message_type<prompt_finished>("drover.prompt_finished");
  cfg.add_message_type<worker_joined>("drover.worker_joined");
  cfg.add_message_type<worker_left>("drover.worker_left");
}

}  // namespace

void configure_actor_system(caf::actor_system_config& cfg, std::size_t scheduler_threads,
                            failure_detection timing) {
  cfg.load<caf::io::middleman>();
  add_message_types(cfg);
  cfg.set("middleman.heartbeat-interval", caf::timespan{timing.heartbeat});
  cfg.set("middleman.connection-timeout", caf::timespan{timing.connection_timeout});
  cfg.set("scheduler.max-threads", scheduler_threads);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("middleman.app-identifiers", std::vector<std::string>{"drover"});
}

}  // namespace drover::actors
