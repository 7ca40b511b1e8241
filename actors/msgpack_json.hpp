#pragma once

// JSON values inside msgpack documents: drover carries `ui` dictionaries,
// error details and custom payloads as native msgpack maps and lists rather
// than as JSON text. Include only from .cpp files: it pulls in msgpack.

#include <msgpack.hpp>

#include "actors/json.hpp"
#include "actors/result.hpp"

namespace drover::actors {

/// Writes `value` as msgpack: objects as maps with string keys, arrays as
/// arrays, numbers keeping integer/unsigned/float kind.
void pack_json(msgpack::packer<msgpack::sbuffer>& out, const json& value);

/// Reads a msgpack object back as JSON. Map keys must be strings; binary and
/// extension objects are refused; nesting deeper than 64 is refused.
result<json> unpack_json(const msgpack::object& in);

/// Limits for unpacking documents from peers: generous for real payloads,
/// small enough that a hostile document cannot exhaust memory.
msgpack::unpack_limit peer_unpack_limit();

}  // namespace drover::actors
