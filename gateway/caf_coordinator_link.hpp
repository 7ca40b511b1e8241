#pragma once

#include <functional>
#include <memory>
#include <string>

#include "actors/endpoint.hpp"
#include "gateway/coordinator_link.hpp"

namespace drover::gateway {

/// Where the coordinator's facts go (docs/actors.md §3); each is called on
/// a CAF thread and must not block.
struct fact_sink {
  std::function<void(const actors::farm_snapshot&)> on_snapshot;
  std::function<void(const actors::queue_changed&)> on_queue_changed;
  std::function<void(const actors::prompt_planned&)> on_planned;
  std::function<void(const actors::prompt_finished&)> on_finished;
  std::function<void(const actors::worker_joined&)> on_worker_joined;
  std::function<void(const actors::worker_left&)> on_worker_left;
};

/// The gateway's CAF side: an actor system, a connector thread that reaches
/// the coordinator with `remote_actor` (retrying every 250 ms, and again
/// after the coordinator goes down), and a gateway actor per connection that
/// says `gateway_hello` and forwards the facts to the sink. Requests from
/// HTTP handlers run in one-shot actors, so no io thread ever blocks on CAF.
class caf_coordinator_link final : public coordinator_link {
 public:
  caf_coordinator_link(actors::endpoint coordinator, std::string gateway_id,
                       fact_sink sink);
  ~caf_coordinator_link() override;

  void start();
  /// Stops the connector and the actor system; pending requests fail.
  void stop();

  void submit(actors::submit_prompt request, submit_callback done) override;
  void history(actors::history_query query, text_callback done) override;
  void queue(text_callback done) override;
  void catalog(text_callback done) override;
  void farm(text_callback done) override;
  void status(text_callback done) override;
  void edit_queue(actors::queue_edit edit, text_callback done) override;
  void edit_history(actors::history_edit edit, text_callback done) override;
  void interrupt(actors::interrupt_prompt request, text_callback done) override;
  void free(actors::free_memory request, text_callback done) override;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace drover::gateway
