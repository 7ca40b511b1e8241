#pragma once

#include <atomic>
#include <functional>
#include <string>

#include <caf/fwd.hpp>

#include "actors/messages.hpp"

namespace drover::worker {

class fragment_target;

/// What the worker actor shares with `run_worker`'s main thread. Set up
/// before the actor gets its first message; `runner` outlives the actor's
/// last use of it (run_worker stops the actor first).
struct worker_link {
  actors::worker_hello hello;    ///< sent after every (re)connect
  std::string coordinator_host;  ///< the result store lives there
  fragment_target* runner = nullptr;
  std::atomic<bool> need_connect{true};  ///< set on down_msg; main thread reconnects
  /// This worker's device now, for `worker_update`; may be empty.
  std::function<std::string()> device_probe;
  /// The classes this worker offers now (its catalog JSON), for `worker_hello`
  /// and `worker_update`; empty: `hello.catalog_json`, which never changes.
  std::function<std::string()> catalog_probe;
  /// The model files this worker can load now (`worker_hello::models_json`);
  /// empty: none.
  std::function<std::string()> models_probe;
};

/// Spawns the worker actor (docs/actors.md §2). Send it
/// `(caf::connect_atom, coordinator)` after each successful `remote_actor`:
/// it monitors the coordinator, sends `worker_hello`, prints the ready line
/// once after the first `worker_welcome`, passes `run_fragment` and
/// `interrupt_prompt` to the runner, forwards `fragment_done`, and on the
/// coordinator's `down_msg` sets `link.need_connect`. Unexpected messages are
/// logged and dropped. Borrows `link`.
caf::actor spawn_worker_actor(caf::actor_system& system, worker_link& link);

/// Tells the worker actor that `link.catalog_probe` changed: it sends a
/// `worker_update` at once, ahead of any `fragment_done` sent after this
/// call. Any thread.
void notify_catalog_changed(const caf::actor& worker);

}  // namespace drover::worker
