#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "actors/json.hpp"
#include "actors/result.hpp"
#include "worker/node_definition.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// The version of the public node API (worker/node_api/node_api.hpp). Bumped
/// whenever a public header changes the layout or meaning of anything it
/// declares; a worker refuses a pack built against another version.
inline constexpr std::uint32_t node_api_version = 2;

/// Sizes of the types a pack and the worker exchange, folded into one number.
/// A pack built with another standard library or other compiler flags than
/// the worker's usually differs here even when `node_api_version` matches.
inline constexpr std::uint64_t node_api_layout() {
  return (std::uint64_t{sizeof(node_definition)} << 48) ^
         (std::uint64_t{sizeof(node_result)} << 32) ^
         (std::uint64_t{sizeof(json)} << 24) ^
         (std::uint64_t{sizeof(std::string)} << 16) ^
         (std::uint64_t{sizeof(node_function)} << 8) ^ sizeof(actors::error);
}

/// Adds a pack's classes to `registry`. Called once, on the worker's main
/// thread, before any prompt runs. A failure refuses the whole pack.
using node_pack_register_function = actors::result<void> (*)(node_registry& registry);

/// What a pack's entry point returns. `api_version` stays the first member in
/// every version, so that a worker can read it from any pack.
struct node_pack_descriptor {
  std::uint32_t api_version = node_api_version;
  std::uint64_t layout = node_api_layout();
  const char* name = "";     ///< the pack's name, for logs
  const char* version = "";  ///< the pack's own version, for logs
  node_pack_register_function register_classes = nullptr;
};

}  // namespace drover::worker

/// The name of the `extern "C"` function every pack exports. It takes nothing
/// and returns a pointer to a descriptor that lives as long as the library.
#define DROVER_NODE_PACK_ENTRY "drover_node_pack"

/// Declares a pack's entry point and opens its register function, whose body
/// follows the macro and sees the registry as `registry`:
///
///     DROVER_NODE_PACK("example", "1.0.0") {
///       return registry.add(my_node_definition());
///     }
#define DROVER_NODE_PACK(pack_name, pack_version)                                \
  static ::drover::actors::result<void> drover_node_pack_register(               \
      ::drover::worker::node_registry& registry);                                \
  extern "C" __attribute__((visibility("default")))                              \
  const ::drover::worker::node_pack_descriptor*                                  \
  drover_node_pack() {                                                           \
    static const ::drover::worker::node_pack_descriptor descriptor{              \
        ::drover::worker::node_api_version, ::drover::worker::node_api_layout(), \
        pack_name, pack_version, &drover_node_pack_register};                    \
    return &descriptor;                                                          \
  }                                                                              \
  static ::drover::actors::result<void> drover_node_pack_register(               \
      ::drover::worker::node_registry& registry)
