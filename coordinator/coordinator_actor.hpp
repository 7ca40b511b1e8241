#pragma once

// The coordinator actor (docs/actors.md §2–3): membership of workers and
// gateways, prompt submission (validate, commit, reply), dispatch of queued
// prompts onto workers, history, and the queue/history/interrupt requests.
// Dynamically typed; every message type is one of actors/messages.hpp.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/result.hpp"
#include "coordinator/content_types.hpp"
#include "coordinator/prompt_validator.hpp"

namespace drover::coordinator {

class prompt_store;

/// Lists the input folder's top-level files, sorted (result_store::list).
using input_lister = std::function<actors::result<std::vector<std::string>>()>;

/// What the coordinator actor is given.
struct coordinator_setup {
  prompt_store* store = nullptr;  ///< must outlive the actor; used only by it
  std::string coordinator_id;
  std::uint16_t store_port = 0;  ///< the result store, told to workers and gateways
  input_file_probe file_exists;  ///< for LoadImage-style validation; may be empty
  /// Called once per GET /object_info to fill the loaders' combos
  /// (input_files.hpp); empty: they stay as the workers announced them.
  input_lister list_inputs;
  content_types types;  ///< which input files LoadImage lists
  /// How many different workers may be lost while running one prompt before
  /// it fails with an execution_error.
  std::uint32_t retry_budget = 3;
};

/// Spawns the coordinator actor. It loads the queue and the remembered
/// catalogs from the store first; prompts found running go back to pending.
caf::actor spawn_coordinator(caf::actor_system& system, coordinator_setup setup);

}  // namespace drover::coordinator
