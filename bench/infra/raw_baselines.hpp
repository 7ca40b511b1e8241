#pragma once

// Baselines for the event figures (issue #6): the bare libraries drover's
// event path is built on, on loopback, in this process.

#include <cstddef>

#include "actors/result.hpp"

namespace drover::bench {

/// What one baseline repetition saw at the receiving end.
struct delivery_rate {
  std::size_t received = 0;
  double seconds = 0;  ///< from the first message received to the last
  double per_second() const { return seconds > 0 ? received / seconds : 0; }
};

/// cppzmq PUB → SUB over loopback TCP: `count` messages of `bytes` bytes,
/// sent as fast as the PUB socket takes them (no high-water mark, so none is
/// dropped), counted at the subscriber. Fails when the subscriber does not
/// receive all of them within a minute.
actors::result<delivery_rate> raw_zmq_rate(std::size_t count, std::size_t bytes);

/// A bare Beast WebSocket server sending `count` text frames of `bytes`
/// bytes to one client (`client::ws_client`) over loopback, counted at the
/// client. Fails when a frame is missing.
actors::result<delivery_rate> raw_ws_rate(std::size_t count, std::size_t bytes);

}  // namespace drover::bench
