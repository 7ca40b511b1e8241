#include "worker/attempt_environment.hpp"

namespace drover::worker {

attempt_environment::attempt_environment(actors::attempt_key key, json prompt,
                                         json extra_pnginfo, file_sink& files,
                                         event_sink& events,
                                         const std::atomic<bool>& interrupt)
    : key_(std::move(key)),
      prompt_(std::move(prompt)),
      extra_pnginfo_(std::move(extra_pnginfo)),
      files_(files),
      events_(events),
      interrupt_(interrupt) {}

void attempt_environment::progress(const std::string& node_id, double value, double max) {
  // ComfyUI's progress hook checks the interrupt flag before it reports.
  if (interrupted()) {
    return;
  }
  publish(actors::node_progress{node_id, value, max});
}

void attempt_environment::text(const std::string& node_id, std::string text) {
  publish(actors::node_text{node_id, std::move(text)});
}

std::uint64_t attempt_environment::publish(actors::event_body body) {
  return events_.publish(key_, std::move(body));
}

}  // namespace drover::worker
