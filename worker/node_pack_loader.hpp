#pragma once

#include <string>
#include <vector>

#include "actors/result.hpp"
#include "worker/node_api/node_pack.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// A pack whose classes a worker added.
struct loaded_node_pack {
  std::string path;  ///< the library, or "builtin"
  std::string name;
  std::string version;
  std::vector<std::string> classes;
};

/// A pack a worker refused, and why, in one sentence.
struct refused_node_pack {
  std::string path;
  std::string reason;
};

/// What `load_node_packs` did with each library of the folder.
struct node_pack_report {
  std::vector<loaded_node_pack> loaded;
  std::vector<refused_node_pack> refused;
};

/// Adds the classes `pack` registers to `registry`, all or nothing: the pack
/// registers into a registry of its own, and its classes join `registry`
/// only when its API version and layout match the worker's, its register
/// function succeeds (an exception it throws counts as a failure), and every
/// class is valid and new. Fails with errc::invalid_input naming the cause;
/// `registry` is then unchanged. Returns the names of the added classes.
actors::result<std::vector<std::string>> install_node_pack(
    const node_pack_descriptor& pack, node_registry& registry);

/// Loads every `*.so` of `folder` in file name order: opens it (RTLD_NOW |
/// RTLD_LOCAL), calls its `drover_node_pack` entry point and installs the
/// descriptor (`install_node_pack`). A pack that cannot be opened, lacks the
/// entry point or is refused is closed again, logged as
/// `node pack refused path=… reason=…` and listed in `refused`; the others
/// stay loaded for the life of the process. Fails with errc::not_found only
/// when `folder` is not a readable folder. Call once, on the main thread,
/// before any prompt runs.
/// TODO(#7): load and replace packs while the worker runs; until then a new
/// pack needs a worker restart.
actors::result<node_pack_report> load_node_packs(const std::string& folder,
                                                 node_registry& registry);

}  // namespace drover::worker
