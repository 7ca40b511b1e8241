#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "actors/messages.hpp"
#include "worker/event_sink.hpp"
#include "worker/executor.hpp"
#include "worker/fragment_target.hpp"
#include "worker/node_registry.hpp"
#include "worker/store_file_sink.hpp"

namespace zmq {
class context_t;
}

namespace drover::worker {

/// The worker's execution thread (one slot): runs the fragments it is given
/// one after another with one `executor`, so that its cache carries over
/// between prompts, and reports each attempt's `fragment_done` through
/// `on_done`, called on the execution thread. Lets callers on other threads
/// (the worker actor) submit and interrupt without ever blocking on a node.
class fragment_runner final : public fragment_target {
 public:
  using done_callback = std::function<void(actors::fragment_done)>;

  /// Borrows `registry`, `events` and `context`; they must outlive the runner.
  fragment_runner(const node_registry& registry, event_sink& events,
                  zmq::context_t& context, done_callback on_done,
                  cache_options cache = {});

  /// Interrupts the running fragment and stops the thread; queued fragments
  /// are dropped (the coordinator requeues them when this worker leaves).
  ~fragment_runner() override;

  /// Queues `job`; its files go to the result store at `store_endpoint`.
  void submit(actors::run_fragment job, std::string store_endpoint) override;

  /// Sets the interrupt flag of every queued or running attempt of
  /// `prompt_id`; an empty id interrupts them all.
  void interrupt(const std::string& prompt_id) override;

  /// ComfyUI's `/free`: when `request.free_memory` is set, empties the
  /// output cache after the fragment running now, or at once when idle.
  /// Native nodes hold no models.
  void free(const actors::free_memory& request) override;

 private:
  using job = queued_fragment;

  void loop();
  actors::fragment_done run(job& j);

  const node_registry& registry_;
  event_sink& events_;
  zmq::context_t& context_;
  done_callback on_done_;
  executor executor_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> queue_;
  std::multimap<std::string, std::shared_ptr<std::atomic<bool>>> flags_;
  bool stopping_ = false;
  bool free_cache_ = false;                 ///< a /free waits for the executor
  std::unique_ptr<store_file_sink> files_;  ///< used on the execution thread only
  std::thread thread_;
};

}  // namespace drover::worker
