#include "worker/backend_stream.hpp"

#include <chrono>
#include <cstdint>
#include <utility>

#include "actors/log.hpp"

namespace drover::worker {

namespace {

/// The big-endian uint32 at `at` of `data`; nullopt past the end.
std::optional<std::uint32_t> read_u32(const std::string& data, std::size_t at) {
  if (data.size() < at + 4) {
    return std::nullopt;
  }
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    v = (v << 8) | static_cast<unsigned char>(data[at + i]);
  }
  return v;
}

std::string text_of(const json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

double number_of(const json& data, const char* key, double fallback) {
  auto it = data.find(key);
  return it != data.end() && it->is_number() ? it->get<double>() : fallback;
}

std::int64_t timestamp_of(const json& data) {
  auto it = data.find("timestamp");
  return it != data.end() && it->is_number_integer() ? it->get<std::int64_t>() : now_ms();
}

}  // namespace

backend_stream::backend_stream(actors::attempt_key key, event_sink& events,
                               output_store store)
    : key_(std::move(key)), events_(events), store_(std::move(store)) {}

void backend_stream::publish(actors::event_body body) {
  report_.last_seq = events_.publish(key_, std::move(body));
}

void backend_stream::take(const client::ws_frame& frame) {
  if (ended_) {
    return;
  }
  // A backend's message of an unexpected shape is skipped, never fatal: the
  // readers below check types, and this catches what they missed.
  try {
    take_checked(frame);
  } catch (const json::exception& e) {
    actors::logger("worker")->warn("backend message skipped prompt_id={} reason={}",
                                   key_.prompt_id, e.what());
  }
}

void backend_stream::take_checked(const client::ws_frame& frame) {
  if (!frame.text) {
    on_binary(frame.data);
    return;
  }
  auto message = json::parse(frame.data, nullptr, false);
  if (!message.is_object() || !message.contains("type") || !message["type"].is_string()) {
    actors::logger("worker")->warn("backend message skipped prompt_id={} reason=not JSON",
                                   key_.prompt_id);
    return;
  }
  auto data = message.value("data", json::object());
  if (!data.is_object()) {
    data = json::object();
  }
  // Messages that name a prompt name ours, or are not ours.
  if (auto id = data.find("prompt_id");
      id != data.end() && id->is_string() && *id != key_.prompt_id) {
    return;
  }
  on_message(message["type"].get<std::string>(), data);
}

void backend_stream::on_message(const std::string& type, const json& data) {
  if (type != "progress") {
    flush_held();
  }
  if (type == "status" || type == "feature_flags") {
    return;  // the farm's queue is not the backend's
  }
  if (type == "execution_start") {
    started_ = true;
    report_.started_ms = timestamp_of(data);
  } else if (type == "execution_cached") {
    std::vector<std::string> cached;
    for (const auto& node : data.value("nodes", json::array())) {
      if (node.is_string()) {
        cached.push_back(node.get<std::string>());
      }
    }
    report_.cached_ms = timestamp_of(data);
    start_if_needed(std::move(cached));
  } else if (type == "executing") {
    on_executing(data);
  } else if (type == "progress_state") {
    on_progress_state(data);
  } else if (type == "progress") {
    on_progress(data);
  } else if (type == "executed") {
    on_executed(data);
  } else if (type == "execution_success") {
    on_terminal(actors::fragment_outcome::success, data);
  } else if (type == "execution_error") {
    on_terminal(actors::fragment_outcome::error, data);
  } else if (type == "execution_interrupted") {
    on_terminal(actors::fragment_outcome::interrupted, data);
  } else if (started_) {
    // A custom node's own message, sent while our prompt runs.
    start_if_needed({});
    publish(actors::custom_message{type, data, false});
  }
}

void backend_stream::start_if_needed(std::vector<std::string> cached) {
  if (announced_) {
    return;
  }
  announced_ = true;
  if (report_.started_ms == 0) {
    report_.started_ms = now_ms();
  }
  report_.cached_nodes = cached;
  publish(actors::fragment_started{std::move(cached)});
}

void backend_stream::on_executing(const json& data) {
  auto node = data.find("node");
  if (node == data.end() || !node->is_string()) {
    return;  // `node: null` follows the terminal message
  }
  start_if_needed({});
  running_ = node->get<std::string>();
  started_at_.emplace(running_, std::chrono::steady_clock::now());
  const auto& ids = ids_[running_];
  auto display = text_of(data, "display_node");
  seen_.insert(running_);
  publish(actors::node_started{running_, display.empty() ? running_ : display, ids.parent,
                               ids.real});
}

/// A running node whose value moved is a tick: it waits for the `progress`
/// message that ComfyUI sends right after for a ProgressBar, and goes out
/// as a state-only tick when something else comes first (a V3 node's own
/// progress has no `progress` message).
void backend_stream::on_progress_state(const json& data) {
  auto nodes = data.find("nodes");
  if (nodes == data.end() || !nodes->is_object()) {
    return;
  }
  for (const auto& [id, entry] : nodes->items()) {
    if (!entry.is_object()) {
      continue;
    }
    auto& ids = ids_[id];
    ids.display = text_of(entry, "display_node_id");
    ids.parent = text_of(entry, "parent_node_id");
    ids.real = text_of(entry, "real_node_id");
    auto state = text_of(entry, "state");
    auto value = number_of(entry, "value", 0.0);
    auto max = number_of(entry, "max", 1.0);
    bool moved = ids.value != value || ids.max != max;
    ids.value = value;
    ids.max = max;
    if (state == "finished" && seen_.count(id) != 0 && finished_.insert(id).second) {
      if (auto start = started_at_.find(id); start != started_at_.end()) {
        std::chrono::duration<double, std::milli> took =
            std::chrono::steady_clock::now() - start->second;
        report_.node_ms[id] = took.count();
      }
      publish(actors::node_finished{id});
    } else if (state == "running" && moved && seen_.count(id) != 0 &&
               finished_.count(id) == 0) {
      flush_held();
      tick_ = actors::node_progress{id, value, max, false, true};
    }
  }
}

void backend_stream::on_progress(const json& data) {
  auto node = text_of(data, "node");
  if (node.empty()) {
    node = running_;
  }
  start_if_needed({});
  if (tick_ && tick_->node_id == node) {
    tick_.reset();  // this message is that tick's
  }
  flush_held(node);
  bool with_preview = preview_.has_value();
  publish(actors::node_progress{node, number_of(data, "value", 0.0),
                                number_of(data, "max", 1.0), with_preview});
  if (with_preview) {
    flush_preview();
  }
}

void backend_stream::on_executed(const json& data) {
  auto node = text_of(data, "node");
  if (node.empty()) {
    return;
  }
  start_if_needed({});
  auto display = text_of(data, "display_node");
  if (display.empty()) {
    display = node;
  }
  json ui = data.value("output", json(nullptr));
  if (ui.is_object()) {
    auto stored = store_(ui);
    if (stored) {
      ui = std::move(stored.value());
    } else if (!failure_) {
      failure_ = stored.error();
    }
  }
  seen_.insert(node);
  const auto& ids = ids_[node];
  publish(actors::node_output{node, display, ui});
  report_.outputs[node] = ui;
  report_.meta[node] = {
      {"node_id", node},
      {"display_node", display},
      {"parent_node", ids.parent.empty() ? json(nullptr) : json(ids.parent)},
      {"real_node_id", ids.real.empty() ? node : ids.real}};
}

void backend_stream::on_terminal(actors::fragment_outcome outcome, const json& data) {
  if (failure_) {
    // The outputs are not in the farm's store: the attempt ends lost, with
    // no terminal event, and runs again elsewhere.
    ended_ = true;
    return;
  }
  start_if_needed({});
  report_.outcome = outcome;
  report_.detail = json::object();
  if (outcome != actors::fragment_outcome::success) {
    report_.detail = data;
    report_.detail.erase("prompt_id");
    report_.detail.erase("timestamp");
  }
  report_.ended_ms = now_ms();
  publish(actors::fragment_ended{outcome, report_.detail});
  ended_ = true;
}

void backend_stream::interrupt_unstarted() {
  start_if_needed({});
  report_.outcome = actors::fragment_outcome::interrupted;
  report_.detail = {
      {"node_id", nullptr}, {"node_type", nullptr}, {"executed", json::array()}};
  report_.ended_ms = now_ms();
  publish(actors::fragment_ended{report_.outcome, report_.detail});
  ended_ = true;
}

void backend_stream::refuse(const json& answer) {
  start_if_needed({});
  const auto error = answer.value("error", json::object());
  std::string message = error.is_object() ? text_of(error, "message") : std::string{};
  auto details = error.is_object() ? text_of(error, "details") : std::string{};
  if (!details.empty()) {
    message += (message.empty() ? "" : ": ") + details;
  }
  report_.outcome = actors::fragment_outcome::error;
  report_.detail = {{"node_id", nullptr},
                    {"node_type", nullptr},
                    {"executed", json::array()},
                    {"exception_message", message},
                    {"exception_type", error.is_object() ? text_of(error, "type") : ""},
                    {"traceback", json::array()},
                    {"current_inputs", json::object()},
                    {"current_outputs", json::array()},
                    {"error", error},
                    {"node_errors", answer.value("node_errors", json::object())}};
  report_.ended_ms = now_ms();
  publish(actors::fragment_ended{report_.outcome, report_.detail});
  ended_ = true;
}

void backend_stream::on_binary(const std::string& data) {
  auto log = actors::logger("worker");
  auto kind = read_u32(data, 0);
  if (!kind) {
    return;
  }
  if (*kind == 3) {
    auto length = read_u32(data, 4);
    if (!length || data.size() < 8 + std::size_t{*length}) {
      log->warn("backend text frame skipped prompt_id={} reason=truncated",
                key_.prompt_id);
      return;
    }
    flush_held();
    start_if_needed({});
    publish(actors::node_text{data.substr(8, *length), data.substr(8 + *length)});
    return;
  }
  if (preview_) {
    flush_held();
  }
  actors::node_preview preview;
  std::size_t image_at = 0;
  if (*kind == 1) {
    auto format = read_u32(data, 4);
    if (!format) {
      return;
    }
    preview.node_id = running_;
    preview.image_type = *format == 2 ? "image/png" : "image/jpeg";
    image_at = 8;
  } else if (*kind == 4) {
    auto length = read_u32(data, 4);
    if (!length || data.size() < 8 + std::size_t{*length}) {
      log->warn("backend preview skipped prompt_id={} reason=truncated", key_.prompt_id);
      return;
    }
    auto meta = json::parse(data.substr(8, *length), nullptr, false);
    if (!meta.is_object() ||
        (meta.contains("prompt_id") && meta["prompt_id"] != key_.prompt_id)) {
      return;
    }
    preview.node_id = text_of(meta, "node_id");
    preview.image_type = text_of(meta, "image_type");
    image_at = 8 + *length;
  } else {
    log->warn("backend binary frame skipped prompt_id={} type={}", key_.prompt_id, *kind);
    return;
  }
  if (!started_) {
    return;
  }
  preview.image.assign(data.begin() + static_cast<std::ptrdiff_t>(image_at), data.end());
  // ComfyUI sends a tick's preview just before its `progress`: it waits for it.
  preview_ = std::move(preview);
}

void backend_stream::flush_held(const std::string& keep_preview_for) {
  if (tick_) {
    auto tick = std::move(*tick_);
    tick_.reset();
    tick.preview_follows = preview_ && preview_->node_id == tick.node_id;
    start_if_needed({});
    publish(std::move(tick));
    if (preview_ && preview_->node_id == tick.node_id) {
      flush_preview();
    }
  }
  if (preview_ && (keep_preview_for.empty() || preview_->node_id != keep_preview_for)) {
    flush_preview();
  }
}

void backend_stream::flush_preview() {
  start_if_needed({});
  auto preview = std::move(*preview_);
  preview_.reset();
  publish(std::move(preview));
}

}  // namespace drover::worker
