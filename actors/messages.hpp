#pragma once

// The messages drover's actors exchange over the CAF middleman, grouped by
// link. docs/actors.md describes each exchange and its order. Every type here
// is registered under its `drover.*` name on every node (actor_system_setup),
// because CAF 0.17 delivers an unregistered type as an empty message.
//
// JSON payloads travel as serialized text: CAF cannot inspect JSON values,
// and the peers parse them where they need the structure.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace drover::actors {

// ---- worker → coordinator -------------------------------------------------

/// A worker announces itself; sent again after every reconnect. The
/// coordinator answers with `worker_welcome`. The sender is the worker's actor.
struct worker_hello {
  std::string worker_id;  ///< unique per worker process, stable across reconnects
  std::string name;       ///< human name, `--name`
  std::string host;       ///< host name of the machine
  std::int64_t pid = 0;
  std::uint32_t slots = 1;      ///< fragments it runs at once
  std::string events_endpoint;  ///< ZeroMQ PUB, e.g. tcp://10.0.0.5:40123
  std::string replay_endpoint;  ///< ZeroMQ ROUTER answering replay requests
  std::string catalog_json;     ///< `/object_info` entries of the classes it runs
  std::string device_json;      ///< one `/system_stats` device entry
  /// The model files it can load, `{"<folder>": ["<file>", ...]}` as
  /// ComfyUI's `/models/{folder}` lists them (a ComfyUI backend's); empty
  /// when it has none.
  std::string models_json{};
};

struct worker_welcome {
  std::string coordinator_id;
  std::uint16_t store_port = 0;  ///< result store, on the coordinator's host
};

/// What changes about a worker while it runs (its device's free memory; the
/// classes it offers when its ComfyUI backend comes or goes), sent one way
/// every few seconds after the welcome.
struct worker_update {
  std::string worker_id;
  std::string device_json;   ///< as in worker_hello
  std::string catalog_json;  ///< as in worker_hello; empty: unchanged
  std::string models_json;   ///< as in worker_hello; empty: unchanged
};

/// A fragment attempt ended on the worker; its events are published up to
/// `last_seq`. Carries what the coordinator needs for the history entry.
struct fragment_done {
  std::string prompt_id;
  std::uint32_t fragment = 0;
  std::uint32_t attempt = 0;
  std::uint8_t outcome = 0;  ///< fragment_outcome; `lost` only here
  std::uint64_t last_seq = 0;
  std::int64_t started_ms = 0;
  std::int64_t cached_ms = 0;
  std::vector<std::string> cached_nodes;
  std::int64_t ended_ms = 0;
  std::string detail_json;   ///< execution_error/_interrupted fields, or {}
  std::string outputs_json;  ///< node id → ui dict, for history `outputs`
  std::string meta_json;     ///< node id → {node_id, display_node, ...}
  /// node id → milliseconds it ran, for each node that ran (not cached).
  std::string node_ms_json{};
};

// ---- coordinator → worker -------------------------------------------------

/// Run one fragment. Sent one way; the worker answers with `fragment_done`
/// when the attempt ends, whatever its outcome.
struct run_fragment {
  std::string prompt_id;
  std::uint32_t fragment = 0;
  std::uint32_t attempt = 0;
  std::string prompt_json;  ///< the API-format prompt
  std::string extra_data_json;
  std::string sensitive_json;        ///< credentials removed from extra_data
  std::vector<std::string> outputs;  ///< output nodes this fragment must produce
};

/// Stop the named prompt if it runs here; ignored otherwise. Also sent by a
/// gateway to the coordinator for `POST /interrupt`, where an empty
/// `prompt_id` means every running prompt (answered with "{}").
struct interrupt_prompt {
  std::string prompt_id;
};

/// `POST /free`: sent by a gateway to the coordinator (answered with "{}"),
/// which passes it on to every worker. A worker applies it after the prompt
/// it is running, or at once when idle: `free_memory` empties its output
/// cache; `unload_models` unloads models (native nodes hold none).
struct free_memory {
  bool unload_models = false;
  bool free_memory = false;
};

// ---- gateway → coordinator ------------------------------------------------

/// A gateway announces itself; the sender is its actor. Answered with a
/// `farm_snapshot`; facts (below) follow until the gateway goes away.
struct gateway_hello {
  std::string gateway_id;
  std::string name;
  /// Set when this gateway was connected before (to this or an earlier
  /// coordinator process): the coordinator then repeats the plans of running
  /// prompts and the prompt_finished facts of the last seconds, which the
  /// gateway may have missed while it reconnected.
  bool resuming = false;
};

/// Where a worker's events can be read.
struct worker_endpoints {
  std::string worker_id;
  std::string events_endpoint;
  std::string replay_endpoint;
};

struct farm_snapshot {
  std::string coordinator_id;
  std::uint16_t store_port = 0;
  std::uint64_t queue_remaining = 0;
  std::vector<worker_endpoints> workers;
};

/// A prompt to validate and queue. Answered with `submit_reply`.
struct submit_prompt {
  std::string prompt_id;  ///< chosen by the gateway when the client gave none
  bool has_client_id = false;
  std::string client_id;
  std::string prompt_json;
  std::string extra_data_json;
  std::string sensitive_json;
  bool has_number = false;
  double number = 0;
  bool front = false;
  bool has_targets = false;
  std::vector<std::string> targets;  ///< partial_execution_targets
};

struct submit_reply {
  bool accepted = false;
  std::string prompt_id;
  std::string number_json;       ///< the assigned number as ComfyUI prints it
  std::string node_errors_json;  ///< may be non-empty also when accepted
  std::string rejection_json;    ///< the 400 body when not accepted
};

/// `GET /history` and `/history/{id}`. Answered with the JSON body as text.
struct history_query {
  std::string prompt_id;        ///< empty: the whole history
  std::int64_t max_items = -1;  ///< -1: no limit
  std::int64_t offset = -1;     ///< -1: none
};

/// `GET /queue`. Answered with the JSON body as text.
struct queue_query {
  bool unused = false;
};

/// `GET /object_info`: the union of every worker's catalog, as JSON text, with
/// the combos of the input-file loaders listing the farm's input folder.
struct catalog_query {
  bool unused = false;
};

/// `GET /system_stats`: the connected workers, as the JSON text of an array
/// of `{"worker_id", "name", "host", "slots", "device"}` (`device` is the
/// worker's `device_json`, null when it sent none that parses).
struct farm_query {
  bool unused = false;
};

/// `GET /drover/status`: the farm at a glance (docs/status.md), as JSON text:
/// workers with their load and running prompts, the queue's depth, recent
/// failures and finished prompts.
struct farm_status_query {
  bool unused = false;
};

/// `POST /queue`: drop every pending prompt (`clear`) and/or the pending
/// prompts named in `delete_ids`. Running prompts are not affected. Answered
/// with the JSON text "{}".
struct queue_edit {
  bool clear = false;
  std::vector<std::string> delete_ids;
};

/// `POST /history`: forget every entry (`clear`) and/or the named ones.
/// Answered with the JSON text "{}".
struct history_edit {
  bool clear = false;
  std::vector<std::string> delete_ids;
};

// ---- coordinator → gateways (facts) ---------------------------------------

/// The number of queued plus running prompts changed.
struct queue_changed {
  std::uint64_t queue_remaining = 0;
};

struct planned_fragment {
  std::uint32_t fragment = 0;
  std::uint32_t attempt = 0;
  std::string worker_id;
};

/// A prompt left the queue: these fragments now run on these workers.
struct prompt_planned {
  std::string prompt_id;
  bool has_client_id = false;
  std::string client_id;
  std::uint64_t queue_remaining = 0;
  std::vector<planned_fragment> fragments;
};

struct finished_fragment {
  std::uint32_t fragment = 0;
  std::uint32_t attempt = 0;
  std::string worker_id;
  std::uint64_t last_seq = 0;
};

/// A prompt ended and its history entry is written. The gateway releases the
/// terminal message once it has delivered every event up to each `last_seq`.
struct prompt_finished {
  std::string prompt_id;
  bool has_client_id = false;
  std::string client_id;
  std::uint64_t queue_remaining = 0;
  std::string terminal_type;  ///< execution_success, execution_error, ...
  std::string terminal_json;  ///< its data, with prompt_id and timestamp
  std::vector<finished_fragment> fragments;
};

struct worker_joined {
  worker_endpoints worker;
};

struct worker_left {
  std::string worker_id;
};

// ---- inspection (CAF 0.17 style) ------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_hello& x) {
  return f(caf::meta::type_name("drover.worker_hello"), x.worker_id, x.name, x.host,
           x.pid, x.slots, x.events_endpoint, x.replay_endpoint, x.catalog_json,
           x.device_json, x.models_json);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_welcome& x) {
  return f(caf::meta::type_name("drover.worker_welcome"), x.coordinator_id, x.store_port);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_update& x) {
  return f(caf::meta::type_name("drover.worker_update"), x.worker_id, x.device_json,
           x.catalog_json, x.models_json);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fragment_done& x) {
  return f(caf::meta::type_name("drover.fragment_done"), x.prompt_id, x.fragment,
           x.attempt, x.outcome, x.last_seq, x.started_ms, x.cached_ms, x.cached_nodes,
           x.ended_ms, x.detail_json, x.outputs_json, x.meta_json, x.node_ms_json);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_fragment& x) {
  return f(caf::meta::type_name("drover.run_fragment"), x.prompt_id, x.fragment,
           x.attempt, x.prompt_json, x.extra_data_json, x.sensitive_json, x.outputs);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, free_memory& x) {
  return f(caf::meta::type_name("drover.free_memory"), x.unload_models, x.free_memory);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, interrupt_prompt& x) {
  return f(caf::meta::type_name("drover.interrupt_prompt"), x.prompt_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gateway_hello& x) {
  return f(caf::meta::type_name("drover.gateway_hello"), x.gateway_id, x.name,
           x.resuming);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_endpoints& x) {
  return f(caf::meta::type_name("drover.worker_endpoints"), x.worker_id,
           x.events_endpoint, x.replay_endpoint);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, farm_snapshot& x) {
  return f(caf::meta::type_name("drover.farm_snapshot"), x.coordinator_id, x.store_port,
           x.queue_remaining, x.workers);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submit_prompt& x) {
  return f(caf::meta::type_name("drover.submit_prompt"), x.prompt_id, x.has_client_id,
           x.client_id, x.prompt_json, x.extra_data_json, x.sensitive_json, x.has_number,
           x.number, x.front, x.has_targets, x.targets);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submit_reply& x) {
  return f(caf::meta::type_name("drover.submit_reply"), x.accepted, x.prompt_id,
           x.number_json, x.node_errors_json, x.rejection_json);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, history_query& x) {
  return f(caf::meta::type_name("drover.history_query"), x.prompt_id, x.max_items,
           x.offset);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_query& x) {
  return f(caf::meta::type_name("drover.queue_query"), x.unused);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, farm_query& x) {
  return f(caf::meta::type_name("drover.farm_query"), x.unused);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, farm_status_query& x) {
  return f(caf::meta::type_name("drover.farm_status_query"), x.unused);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, catalog_query& x) {
  return f(caf::meta::type_name("drover.catalog_query"), x.unused);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_edit& x) {
  return f(caf::meta::type_name("drover.queue_edit"), x.clear, x.delete_ids);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, history_edit& x) {
  return f(caf::meta::type_name("drover.history_edit"), x.clear, x.delete_ids);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_changed& x) {
  return f(caf::meta::type_name("drover.queue_changed"), x.queue_remaining);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, planned_fragment& x) {
  return f(caf::meta::type_name("drover.planned_fragment"), x.fragment, x.attempt,
           x.worker_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, prompt_planned& x) {
  return f(caf::meta::type_name("drover.prompt_planned"), x.prompt_id, x.has_client_id,
           x.client_id, x.queue_remaining, x.fragments);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, finished_fragment& x) {
  return f(caf::meta::type_name("drover.finished_fragment"), x.fragment, x.attempt,
           x.worker_id, x.last_seq);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, prompt_finished& x) {
  return f(caf::meta::type_name("drover.prompt_finished"), x.prompt_id, x.has_client_id,
           x.client_id, x.queue_remaining, x.terminal_type, x.terminal_json, x.fragments);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_joined& x) {
  return f(caf::meta::type_name("drover.worker_joined"), x.worker);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_left& x) {
  return f(caf::meta::type_name("drover.worker_left"), x.worker_id);
}

}  // namespace drover::actors
