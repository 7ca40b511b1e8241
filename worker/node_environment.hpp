#pragma once

#include <string>

#include "actors/json.hpp"
#include "actors/result.hpp"
#include "worker/file_sink.hpp"
#include "worker/tensor.hpp"

namespace drover::worker {

/// Who receives a message a node sends (node_environment::send).
enum class message_delivery {
  /// Every connected client, as ComfyUI's `send_sync` without a client id.
  broadcast,
  /// The client that submitted the prompt; every client when the prompt was
  /// submitted without a client id (ComfyUI's `send_sync(..., client_id)`).
  prompt_client,
};

/// A picture shown beside a running node's progress bar. Either an IMAGE
/// tensor, of which the worker encodes the first image of the batch, or a
/// picture the node encoded itself as JPEG or PNG.
struct preview_image {
  tensor_ptr image;     ///< [batch, height, width, channels] in 0..1, or null
  std::string mime;     ///< "image/jpeg" or "image/png" when `encoded` is set
  std::string encoded;  ///< the encoded picture; empty when `image` is set

  static preview_image from_tensor(tensor_ptr image) {
    preview_image p;
    p.image = std::move(image);
    return p;
  }
  static preview_image from_encoded(std::string mime, std::string bytes) {
    preview_image p;
    p.mime = std::move(mime);
    p.encoded = std::move(bytes);
    return p;
  }
};

/// What a running node may ask of the worker. One environment serves one
/// prompt attempt; a node calls it only from the thread that called the node.
class node_environment {
 public:
  virtual ~node_environment() = default;

  /// The prompt as submitted (hidden input PROMPT).
  virtual const json& prompt() const = 0;

  /// `extra_data.extra_pnginfo` (hidden input EXTRA_PNGINFO); null when absent.
  virtual const json& extra_pnginfo() const = 0;

  /// Where output and temp files go.
  virtual file_sink& files() = 0;

  /// True once the prompt was interrupted; a long node checks it at every step
  /// and returns an interrupt failure.
  virtual bool interrupted() const = 0;

  /// Reports progress of `node_id`; also an interrupt checkpoint.
  virtual void progress(const std::string& node_id, double value, double max) = 0;

  /// Reports progress of `node_id` with a preview picture, which clients get
  /// as a binary preview frame right after the `progress` message. Fails with
  /// errc::invalid_input when the picture cannot be shown (a tensor that is
  /// not an image, an encoding other than JPEG or PNG); the progress itself is
  /// reported either way. Nothing is reported once the prompt is interrupted.
  virtual actors::result<void> progress(const std::string& node_id, double value,
                                        double max, const preview_image& preview) = 0;

  /// Sends text for `node_id`'s own display (ComfyUI's binary TEXT frame).
  virtual void text(const std::string& node_id, std::string text) = 0;

  /// Sends a message of type `type` with `data` to clients, in order with the
  /// node's other events: after its `executing`, before its `executed`.
  /// Clients receive `{"type": type, "data": data}` unchanged. Fails with
  /// errc::invalid_input for an empty type.
  virtual actors::result<void> send(const std::string& type, json data,
                                    message_delivery delivery) = 0;

  /// `send` to every client, ComfyUI's default.
  actors::result<void> send(const std::string& type, json data) {
    return send(type, std::move(data), message_delivery::broadcast);
  }
};

}  // namespace drover::worker
