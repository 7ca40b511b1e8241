#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/json.hpp"

namespace drover::gateway {

/// One WebSocket message on its way to clients: the composed form of a fact
/// or an event (docs/events.md §4). Plain data; safe to copy between threads.
struct client_message {
  /// Which of the addressed sockets take a preview: ComfyUI sends a type-4
  /// preview before its `progress` message and a type-1 preview after it
  /// (comfyui-protocol.md §4.4), so the two kinds of socket get two copies.
  enum class preview_sockets { all, with_metadata, without_metadata };

  /// The client id whose sockets receive it; nullopt sends it to every socket.
  std::optional<std::string> client_id;
  preview_sockets preview_to = preview_sockets::all;
  bool binary = false;
  /// A JSON text `{"type": …, "data": …}`, or the bytes of a binary frame.
  std::string payload;
  /// For previews only: the type-4 frame (with metadata) sent instead of
  /// `payload` to sockets that negotiated `supports_preview_metadata`.
  std::string payload_with_metadata;
};

/// `{"type": type, "data": data}` as text, to `client_id` or every socket.
client_message text_message(std::optional<std::string> client_id, std::string_view type,
                            const json& data);

/// The same with `data` already serialised by dump_json.
client_message text_message_of(std::optional<std::string> client_id,
                               std::string_view type, std::string_view data_text);

/// `value` as compact JSON text, invalid UTF-8 replaced: the one form every
/// client message uses.
std::string dump_json(const json& value);

/// The data of a `status` message: `{"status": {"exec_info": {"queue_remaining": n}}}`.
json status_data(std::uint64_t queue_remaining);

/// ComfyUI's binary TEXT frame (type 3): big-endian uint32 3, uint32 length of
/// the node id, the node id, then the text, all UTF-8.
std::string encode_text_frame(std::string_view node_id, std::string_view text);

/// ComfyUI's binary PREVIEW_IMAGE frame (type 1): uint32 1, uint32 format
/// (1 JPEG, 2 PNG), then the encoded picture.
std::string encode_preview_frame(std::string_view mime, std::string_view image);

/// ComfyUI's binary PREVIEW_IMAGE_WITH_METADATA frame (type 4): uint32 4,
/// uint32 length of the metadata JSON, the JSON, then the picture.
std::string encode_preview_with_metadata(const json& metadata, std::string_view image);

}  // namespace drover::gateway
