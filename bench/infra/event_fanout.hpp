#pragma once

// events_per_s, events_lost, order_violations (issue #6): workers of a real
// local farm emit progress events as fast as they can (the testing node
// DroverTestProgressFlood) for WebSocket clients of one gateway; every client
// checks the progress of its own prompt.

#include <cstddef>
#include <functional>
#include <string>

#include "actors/result.hpp"

namespace drover::bench {

/// What the clients of one repetition received and checked.
struct fanout_run {
  std::size_t received = 0;          ///< `progress` messages of the clients' prompts
  std::size_t lost = 0;              ///< values of 1..count never received
  std::size_t order_violations = 0;  ///< a value not above the one before it
  std::size_t dropped_clients = 0;   ///< sockets the gateway closed (slow client)
  double seconds = 0;  ///< from the first submission to the last client's end
  double per_second() const { return seconds > 0 ? received / seconds : 0; }
};

/// The farm the repetitions share.
struct fanout_setup {
  std::string binary;  ///< the drover executable
  std::size_t workers = 2;
  std::size_t clients = 20;
  std::size_t count = 1000;  ///< progress events per prompt, one prompt per client
};

/// Starts the farm once and runs `reps` repetitions on it, calling `sample`
/// with each. A client whose socket the gateway closes counts the events it
/// did not get as lost. Fails when the farm does not start or a client fails
/// otherwise (prompt refused or failed, no message for 60 s).
actors::result<void> run_event_fanout(
    const fanout_setup& setup, int reps,
    const std::function<void(const fanout_run&)>& sample);

}  // namespace drover::bench
