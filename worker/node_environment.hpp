#pragma once

#include <string>

#include "actors/json.hpp"
#include "worker/file_sink.hpp"

namespace drover::worker {

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

  /// Sends text for `node_id`'s own display (ComfyUI's binary TEXT frame).
  virtual void text(const std::string& node_id, std::string text) = 0;
};

}  // namespace drover::worker
