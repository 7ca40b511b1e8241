#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "actors/json.hpp"

namespace drover::actors {

/// One attempt at running one fragment of one prompt: the unit whose events
/// are numbered together. docs/events.md §1.
struct attempt_key {
  std::string prompt_id;
  std::uint32_t fragment = 0;
  std::uint32_t attempt = 0;

  friend bool operator==(const attempt_key& a, const attempt_key& b) {
    return a.fragment == b.fragment && a.attempt == b.attempt &&
           a.prompt_id == b.prompt_id;
  }
  friend bool operator!=(const attempt_key& a, const attempt_key& b) { return !(a == b); }
};

/// The worker began the fragment; `cached_nodes` are the prompt's nodes whose
/// outputs it already holds and will not run.
struct fragment_started {
  std::vector<std::string> cached_nodes;
};

/// A node began to run. `parent_node` is empty for nodes of the submitted
/// prompt (JSON null on the client side).
struct node_started {
  std::string node_id;
  std::string display_node;
  std::string parent_node;
  std::string real_node;
};

/// A progress tick of the running node.
struct node_progress {
  std::string node_id;
  double value = 0;
  double max = 1;
  /// The attempt's next event is this tick's node_preview: clients get the
  /// two in ComfyUI's interleaved order (docs/events.md §4).
  bool preview_follows = false;
  /// A tick that ComfyUI shows in `progress_state` (and a metadata preview)
  /// alone, without a `progress` message: a V3 node's own progress, as a
  /// ComfyUI backend reports it (docs/backends.md §3).
  bool state_only = false;
};

/// A node returned a `ui` dictionary: it becomes ComfyUI's `executed`.
struct node_output {
  std::string node_id;
  std::string display_node;
  json ui;
};

/// A node completed (ran or was served from the cache as an output).
struct node_finished {
  std::string node_id;
};

/// A node sent text for its own widget: ComfyUI's binary TEXT frame.
struct node_text {
  std::string node_id;
  std::string text;
};

/// A preview picture of a running node. `image_type` is a MIME type.
struct node_preview {
  std::string node_id;
  std::string image_type;
  std::vector<std::uint8_t> image;
};

/// A message of any type a node sends to clients, broadcast or to the
/// prompt's client only.
struct custom_message {
  std::string type;
  json data;
  bool broadcast = true;
};

/// How an attempt ended. `lost` appears only in `fragment_done`, never in an
/// event: the attempt could not finish on its worker through no fault of the
/// prompt (the worker's ComfyUI backend went away), and the coordinator runs
/// it elsewhere as it does a dead worker's.
enum class fragment_outcome : std::uint8_t {
  success = 0,
  error = 1,
  interrupted = 2,
  lost = 3,
};

/// The last event of an attempt; its sequence number is the attempt's last.
/// `detail` carries the fields of ComfyUI's `execution_error` or
/// `execution_interrupted` (without prompt_id and timestamp) when not a success.
struct fragment_ended {
  fragment_outcome outcome = fragment_outcome::success;
  json detail = json::object();
};

using event_body =
    std::variant<fragment_started, node_started, node_progress, node_output,
                 node_finished, node_text, node_preview, custom_message, fragment_ended>;

/// The wire tag of each body type; the numbers are part of the schema.
enum class event_kind : std::uint8_t {
  fragment_started = 1,
  node_started = 2,
  node_progress = 3,
  node_output = 4,
  node_finished = 5,
  node_text = 6,
  node_preview = 7,
  custom_message = 8,
  fragment_ended = 9,
};

/// One event a worker publishes. `seq` counts from 0 within `key`, with no gap.
struct event {
  attempt_key key;
  std::uint64_t seq = 0;
  std::int64_t timestamp_ms = 0;
  event_body body;

  event_kind kind() const { return static_cast<event_kind>(body.index() + 1); }
};

}  // namespace drover::actors
