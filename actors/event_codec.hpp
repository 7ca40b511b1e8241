#pragma once

#include <cstddef>
#include <string>

#include "actors/event.hpp"
#include "actors/result.hpp"

namespace drover::actors {

/// Encodes `e` as the msgpack document of docs/events.md §2.
std::string encode_event(const event& e);

/// Decodes one msgpack document. Input comes from the network: sizes, nesting
/// and types are checked, and anything malformed gives errc::protocol, never
/// an exception or a crash.
result<event> decode_event(const char* data, std::size_t size);

/// The ZeroMQ topic frame of an event: its prompt id, so that subscribers can
/// filter by prompt.
inline const std::string& event_topic(const event& e) {
  return e.key.prompt_id;
}

}  // namespace drover::actors
