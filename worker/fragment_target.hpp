#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "actors/messages.hpp"

namespace drover::worker {

/// A fragment waiting for, or running on, an execution thread.
struct queued_fragment {
  actors::run_fragment fragment;
  std::string store_endpoint;  ///< where its files go
  /// Set to stop it; the thread checks it between steps.
  std::shared_ptr<std::atomic<bool>> interrupt =
      std::make_shared<std::atomic<bool>>(false);
};

/// Where the worker actor hands the fragments it is given: the native
/// `fragment_runner`, or a router that sends some to a ComfyUI backend.
/// Called from the worker actor's thread; never blocks on a node. Each
/// submitted attempt is answered with one `fragment_done` through the
/// implementation's callback.
class fragment_target {
 public:
  virtual ~fragment_target() = default;

  /// Queues `job`; its files go to the result store at `store_endpoint`.
  virtual void submit(actors::run_fragment job, std::string store_endpoint) = 0;

  /// Stops every queued or running attempt of `prompt_id`; an empty id
  /// stops them all.
  virtual void interrupt(const std::string& prompt_id) = 0;

  /// ComfyUI's `/free`: `free_memory` empties the output cache once the
  /// fragment running now has ended; `unload_models` unloads models where
  /// something holds them (a ComfyUI backend).
  virtual void free(const actors::free_memory& request) = 0;
};

}  // namespace drover::worker
