#pragma once

#include <atomic>
#include <string>

#include "actors/event.hpp"
#include "actors/json.hpp"
#include "worker/event_sink.hpp"
#include "worker/file_sink.hpp"
#include "worker/node_environment.hpp"

namespace drover::worker {

/// The node_environment of one fragment attempt: the prompt and its
/// extra_pnginfo, the file sink, the attempt's event sink and its interrupt
/// flag. Borrows `files`, `events` and `interrupt`; they must outlive it. Used
/// from the attempt's execution thread only; `interrupt` may be set from any.
class attempt_environment final : public node_environment {
 public:
  attempt_environment(actors::attempt_key key, json prompt, json extra_pnginfo,
                      file_sink& files, event_sink& events,
                      const std::atomic<bool>& interrupt);

  const json& prompt() const override { return prompt_; }
  const json& extra_pnginfo() const override { return extra_pnginfo_; }
  file_sink& files() override { return files_; }
  bool interrupted() const override { return interrupt_.load() || abandoned_.load(); }
  void progress(const std::string& node_id, double value, double max) override;
  actors::result<void> progress(const std::string& node_id, double value, double max,
                                const preview_image& preview) override;
  void text(const std::string& node_id, std::string text) override;
  using node_environment::send;
  actors::result<void> send(const std::string& type, json data,
                            message_delivery delivery) override;

  const actors::attempt_key& key() const { return key_; }

  /// Tells the nodes still running (async ones) that the attempt has ended
  /// and their results will be dropped: `interrupted()` is true from now on,
  /// so they stop at their next check and report nothing more. Any thread.
  void abandon() { abandoned_.store(true); }

  /// Publishes `body` as the attempt's next event; returns its number.
  std::uint64_t publish(actors::event_body body);

 private:
  actors::attempt_key key_;
  json prompt_;
  json extra_pnginfo_;
  file_sink& files_;
  event_sink& events_;
  const std::atomic<bool>& interrupt_;
  std::atomic<bool> abandoned_{false};
};

}  // namespace drover::worker
