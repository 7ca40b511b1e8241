#pragma once

// The coordinator's view of a node's cache identity: a hash of its class,
// its constant inputs and, recursively, the identities of the nodes it reads
// from. Two prompts whose nodes share a signature would compute the same
// outputs there (up to the node's own IS_CHANGED, which only the worker can
// evaluate), so a worker that ran one probably still has them cached.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/json.hpp"

namespace drover::coordinator {

/// The signature of every node of an API-format prompt, by node id. A node
/// in a cycle or reading a missing node gets a signature unique to this
/// call, so it matches nothing.
std::map<std::string, std::uint64_t> node_signatures(const json& prompt);

/// The signatures of `prompt`, sorted and without duplicates.
std::vector<std::uint64_t> prompt_signatures(const json& prompt);

}  // namespace drover::coordinator
