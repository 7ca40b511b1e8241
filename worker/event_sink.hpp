#pragma once

#include <cstdint>

#include "actors/event.hpp"

namespace drover::worker {

/// Where the executor sends the events of an attempt (docs/events.md). The
/// running worker publishes them over ZeroMQ (`event_publisher`); tests record
/// them. Called from one execution thread per attempt.
class event_sink {
 public:
  virtual ~event_sink() = default;

  /// Publishes `body` as the next event of `key`, stamped with the current
  /// time, and returns its sequence number (0 for the first event of `key`).
  virtual std::uint64_t publish(const actors::attempt_key& key,
                                actors::event_body body) = 0;
};

}  // namespace drover::worker
