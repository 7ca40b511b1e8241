#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "actors/json.hpp"
#include "actors/messages.hpp"
#include "worker/comfyui_backend.hpp"
#include "worker/event_sink.hpp"
#include "worker/fragment_target.hpp"
#include "worker/store_file_sink.hpp"

namespace zmq {
class context_t;
}

namespace drover::worker {

/// The execution thread of one ComfyUI backend (docs/backends.md): keeps a
/// WebSocket to it open, submits the fragments it is given one at a time
/// under the farm's prompt id, republishes the backend's messages as drover
/// events (`backend_stream`) and copies the outputs into the farm's store.
/// While the backend does not answer, it offers no classes and answers every
/// fragment `lost`, so that the coordinator runs them elsewhere; it reads
/// the backend's classes again each time it reconnects.
class backend_runner {
 public:
  using done_callback = std::function<void(actors::fragment_done)>;

  /// Borrows `events` and `context`; they must outlive the runner.
  /// `client_id` is the id the runner's WebSocket and prompts use on the
  /// backend. `on_change` is called (on the runner's thread) whenever the
  /// backend's classes appear or go.
  backend_runner(comfyui_backend backend, std::string client_id, event_sink& events,
                 zmq::context_t& context, done_callback on_done,
                 std::function<void()> on_change = {});

  /// Stops the thread; a fragment running on the backend is interrupted
  /// there, queued ones are dropped (the coordinator requeues them when
  /// this worker leaves).
  ~backend_runner();

  backend_runner(const backend_runner&) = delete;
  backend_runner& operator=(const backend_runner&) = delete;

  const comfyui_backend& backend() const { return backend_; }

  /// Tries the backend once, with the thread not yet running: lets the
  /// worker join with the backend's classes when it already answers.
  void probe();

  /// The backend's `/object_info` while it answers; an empty object while
  /// it does not. Any thread.
  json catalog() const;
  /// The backend's first device while it answers; null otherwise. Any thread.
  json device() const;
  /// The backend's model files by folder while it answers (read at each
  /// connect); an empty object otherwise. Any thread.
  json models() const;
  /// Counts the times the backend's classes appeared or went. Any thread.
  std::uint64_t generation() const { return generation_.load(); }
  /// The backend's `/object_info` entry of `class_type`; null when it has
  /// none or does not answer. Any thread.
  json class_entry(const std::string& class_type) const;
  /// Whether the backend answers and offers every one of `classes`. Any thread.
  bool offers(const std::set<std::string>& classes) const;
  /// Fragments queued or running here. Any thread.
  std::size_t load() const;

  /// Queues `job`; its files go to the result store at `store_endpoint`.
  void submit(actors::run_fragment job, std::string store_endpoint);
  /// Interrupts the attempts of `prompt_id` (all when empty), on the
  /// backend too.
  void interrupt(const std::string& prompt_id);
  /// Passes ComfyUI's `/free` on to the backend.
  void free(const actors::free_memory& request);

 private:
  using job = queued_fragment;

  void loop();
  bool connect();
  void disconnect(const std::string& reason);
  actors::fragment_done run(job& j);
  actors::fragment_done run_guarded(job& j);
  /// `started`: whether the backend had taken the prompt; one it never
  /// took does not count against the prompt's retry budget.
  actors::fragment_done lost(const job& j, const std::string& reason,
                             bool started = true) const;
  bool stopping() const;
  void drop_leftover(const std::string& prompt_id);
  void upload_inputs(json& prompt, store_file_sink& files);
  actors::result<json> store_outputs(const json& ui, store_file_sink& files);

  comfyui_backend backend_;
  std::string client_id_;
  event_sink& events_;
  zmq::context_t& context_;
  done_callback on_done_;
  std::function<void()> on_change_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> queue_;
  std::shared_ptr<std::atomic<bool>> running_flag_;  ///< the running job's
  std::string running_prompt_;
  bool stopping_ = false;
  json catalog_ = json::object();  ///< guarded by mutex_
  json device_ = nullptr;          ///< guarded by mutex_
  json models_ = json::object();   ///< guarded by mutex_
  std::atomic<std::uint64_t> generation_{0};

  std::optional<client::ws_client> ws_;  ///< the execution thread's
  std::unique_ptr<store_file_sink> files_;
  /// A prompt given up while the backend may still hold it.
  std::optional<std::string> leftover_;
  std::thread thread_;
};

}  // namespace drover::worker
