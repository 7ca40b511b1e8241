#pragma once

#include <functional>
#include <string>

#include "actors/messages.hpp"
#include "actors/result.hpp"

namespace drover::gateway {

using text_callback = std::function<void(actors::result<std::string>)>;
using submit_callback = std::function<void(actors::result<actors::submit_reply>)>;

/// The requests an HTTP handler makes of the coordinator (docs/actors.md §3),
/// as a seam: the process uses the CAF link, tests a fake. Every call returns
/// at once and runs its callback exactly once, later, on any thread; a
/// coordinator that is down or silent gives errc::unavailable or
/// errc::timeout. Thread-safe.
class coordinator_link {
 public:
  virtual ~coordinator_link() = default;

  virtual void submit(actors::submit_prompt request, submit_callback done) = 0;
  /// The JSON body of `GET /history[/{id}]`.
  virtual void history(actors::history_query query, text_callback done) = 0;
  /// The JSON body of `GET /queue`.
  virtual void queue(text_callback done) = 0;
  /// The JSON body of `GET /object_info`.
  virtual void catalog(text_callback done) = 0;
  /// The connected workers as a JSON array (docs/actors.md §3 `farm_query`).
  virtual void farm(text_callback done) = 0;
  /// The farm at a glance, `GET /drover/status` (docs/status.md).
  virtual void status(text_callback done) = 0;
  virtual void edit_queue(actors::queue_edit edit, text_callback done) = 0;
  virtual void edit_history(actors::history_edit edit, text_callback done) = 0;
  virtual void interrupt(actors::interrupt_prompt request, text_callback done) = 0;
  /// `POST /free`, passed on to every worker.
  virtual void free(actors::free_memory request, text_callback done) = 0;
};

}  // namespace drover::gateway
