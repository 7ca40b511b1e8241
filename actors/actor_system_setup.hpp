#pragma once

#include <chrono>
#include <cstddef>

namespace caf {
class actor_system_config;
}

namespace drover::actors {

/// How quickly a node notices that a peer hung or its network went away.
/// Both sides of a link must use the same values.
struct failure_detection {
  std::chrono::milliseconds heartbeat{500};
  std::chrono::milliseconds connection_timeout{2000};
};

/// Prepares `cfg` for a drover node: loads the io middleman, registers every
/// message type of messages.hpp under its `drover.*` name, turns heartbeats on
/// (CAF 0.17 ships with them off, so a hung peer would never be noticed) and
/// sizes the scheduler for small hosts. Call before constructing the
/// actor_system.
void configure_actor_system(caf::actor_system_config& cfg,
                            std::size_t scheduler_threads = 2,
                            failure_detection timing = {});

}  // namespace drover::actors
