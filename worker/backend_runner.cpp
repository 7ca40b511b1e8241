#include "worker/backend_runner.hpp"

#include <chrono>
#include <cstdio>
#include <regex>
#include <utility>

#include "actors/log.hpp"
#include "worker/backend_stream.hpp"

namespace drover::worker {

namespace {

using std::chrono::steady_clock;

constexpr std::chrono::milliseconds reconnect_interval{1000};
constexpr std::chrono::milliseconds follow_poll{100};
/// How often an idle backend's device (its free memory) is read again; the
/// worker reports it every 5 s.
constexpr std::chrono::seconds device_interval{5};
/// A backend silent this long while it runs our prompt is asked whether it
/// still answers.
constexpr std::chrono::seconds silence_probe{10};
/// How long an interrupted prompt that never began may take to confirm.
constexpr std::chrono::seconds unstarted_grace{2};

/// `json::dump` that never throws on bad UTF-8 from a peer.
std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json parse_object(const std::string& text) {
  auto value = json::parse(text.empty() ? "{}" : text, nullptr, false);
  return value.is_object() ? value : json::object();
}

/// The farm file a loader's value names: "name.png" or "sub/name.png" in
/// the input folder, or in the folder an annotation names ("name.png
/// [output]", " [input]", " [temp]").
std::optional<actors::store_file> farm_file_of(std::string value) {
  actors::store_file file{"input", "", {}};
  for (const char* type : {"input", "output", "temp"}) {
    auto annotation = std::string{" ["} + type + "]";
    if (value.size() > annotation.size() &&
        value.compare(value.size() - annotation.size(), annotation.size(), annotation) ==
            0) {
      value.resize(value.size() - annotation.size());
      file.type = type;
      break;
    }
  }
  file.filename = value;
  if (auto slash = value.rfind('/'); slash != std::string::npos) {
    file.subfolder = value.substr(0, slash);
    file.filename = value.substr(slash + 1);
  }
  if (!actors::check_store_file(file)) {
    return std::nullopt;
  }
  return file;
}

/// The string `key` of `object`, or `fallback` when it is absent or no string.
std::string string_of(const json& object, const char* key, const char* fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

/// Whether the catalog entry of a class marks `input` as an upload widget.
bool is_upload_input(const json& entry, const std::string& input) {
  for (const char* group : {"required", "optional"}) {
    auto inputs = entry.find("input");
    if (inputs == entry.end() || !inputs->is_object() || !inputs->contains(group)) {
      continue;
    }
    const auto& specs = (*inputs)[group];
    auto spec = specs.find(input);
    if (spec == specs.end() || !spec->is_array() || spec->size() < 2 ||
        !(*spec)[1].is_object()) {
      continue;
    }
    const auto& options = (*spec)[1];
    for (const char* flag : {"image_upload", "video_upload", "audio_upload"}) {
      auto it = options.find(flag);
      if (it != options.end() && it->is_boolean() && it->get<bool>()) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

backend_runner::backend_runner(comfyui_backend backend, std::string client_id,
                               event_sink& events, zmq::context_t& context,
                               done_callback on_done, std::function<void()> on_change)
    : backend_(std::move(backend)),
      client_id_(std::move(client_id)),
      events_(events),
      context_(context),
      on_done_(std::move(on_done)),
      on_change_(std::move(on_change)) {}

backend_runner::~backend_runner() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
    if (running_flag_) {
      running_flag_->store(true);
    }
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void backend_runner::probe() {
  if (!thread_.joinable()) {
    connect();
    thread_ = std::thread{[this] {
      loop();
    }};
  }
}

json backend_runner::catalog() const {
  std::lock_guard lock{mutex_};
  return catalog_;
}

json backend_runner::device() const {
  std::lock_guard lock{mutex_};
  return device_;
}

json backend_runner::models() const {
  std::lock_guard lock{mutex_};
  return models_;
}

json backend_runner::class_entry(const std::string& class_type) const {
  std::lock_guard lock{mutex_};
  auto entry = catalog_.find(class_type);
  return entry == catalog_.end() ? json(nullptr) : *entry;
}

bool backend_runner::offers(const std::set<std::string>& classes) const {
  std::lock_guard lock{mutex_};
  for (const auto& c : classes) {
    if (!catalog_.contains(c)) {
      return false;
    }
  }
  return !catalog_.empty();
}

std::size_t backend_runner::load() const {
  std::lock_guard lock{mutex_};
  return queue_.size() + (running_flag_ ? 1 : 0);
}

void backend_runner::submit(actors::run_fragment fragment, std::string store_endpoint) {
  {
    std::lock_guard lock{mutex_};
    queue_.push_back(job{std::move(fragment), std::move(store_endpoint)});
  }
  wake_.notify_one();
}

void backend_runner::interrupt(const std::string& prompt_id) {
  std::lock_guard lock{mutex_};
  for (auto& queued : queue_) {
    if (prompt_id.empty() || queued.fragment.prompt_id == prompt_id) {
      queued.interrupt->store(true);
    }
  }
  if (running_flag_ && (prompt_id.empty() || running_prompt_ == prompt_id)) {
    running_flag_->store(true);
  }
}

void backend_runner::free(const actors::free_memory& request) {
  if (!request.free_memory && !request.unload_models) {
    return;
  }
  if (auto freed = backend_.free(request.unload_models, request.free_memory); !freed) {
    actors::logger("worker")->warn("backend free failed url={} error={}", backend_.url(),
                                   actors::describe(freed.error()));
  }
}

bool backend_runner::connect() {
  auto log = actors::logger("worker");
  auto ws =
      client::ws_client::connect(backend_.address(), client_id_, std::chrono::seconds{5});
  if (!ws) {
    return false;
  }
  // Previews with their node ids (binary type 4), as ComfyUI's own editor asks.
  auto flags =
      json{{"type", "feature_flags"},
           {"data", {{"supports_preview_metadata", true}, {"api_version", "1.0.0"}}}};
  if (!ws.value().send_text(flags.dump())) {
    return false;
  }
  auto catalog = backend_.object_info();
  if (!catalog) {
    log->warn("backend catalog not read url={} error={}", backend_.url(),
              actors::describe(catalog.error()));
    return false;
  }
  auto device = backend_.device();
  auto models = backend_.models();
  if (!models) {
    log->warn("backend models not read url={} error={}", backend_.url(),
              actors::describe(models.error()));
  }
  ws_.emplace(std::move(ws.value()));
  {
    std::lock_guard lock{mutex_};
    catalog_ = std::move(catalog.value());
    device_ = device ? std::move(device.value()) : json(nullptr);
    models_ = models ? std::move(models.value()) : json::object();
  }
  ++generation_;
  log->info("backend connected url={} classes={}", backend_.url(), catalog_.size());
  if (on_change_) {
    on_change_();
  }
  return true;
}

void backend_runner::disconnect(const std::string& reason) {
  ws_.reset();
  {
    std::lock_guard lock{mutex_};
    catalog_ = json::object();
    device_ = nullptr;
    models_ = json::object();
  }
  ++generation_;
  actors::logger("worker")->warn("backend lost url={} reason={}", backend_.url(), reason);
  if (on_change_) {
    on_change_();
  }
}

void backend_runner::loop() {
  auto next_try = steady_clock::now() + reconnect_interval;
  auto next_device_read = steady_clock::now() + device_interval;
  for (;;) {
    if (!ws_ && steady_clock::now() >= next_try) {
      if (!connect()) {
        next_try = steady_clock::now() + reconnect_interval;
      }
    }

    std::optional<job> next;
    {
      std::unique_lock lock{mutex_};
      wake_.wait_for(lock, ws_ ? follow_poll : reconnect_interval,
                     [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        return;
      }
      if (!queue_.empty()) {
        next = std::move(queue_.front());
        queue_.pop_front();
        running_flag_ = next->interrupt;
        running_prompt_ = next->fragment.prompt_id;
      }
    }

    if (next) {
      auto done =
          ws_ ? run_guarded(*next) : lost(*next, "the backend does not answer", false);
      {
        std::lock_guard lock{mutex_};
        running_flag_.reset();
        running_prompt_.clear();
      }
      on_done_(std::move(done));
      if (leftover_) {
        drop_leftover(*leftover_);
        leftover_.reset();
      }
      continue;
    }

    // Idle: read what the backend broadcasts, to notice at once when it goes,
    // and keep its free memory current for the farm's status.
    if (ws_) {
      auto frame = ws_->next(std::chrono::milliseconds{1});
      if (!frame) {
        disconnect(actors::describe(frame.error()));
      } else if (steady_clock::now() >= next_device_read) {
        next_device_read = steady_clock::now() + device_interval;
        if (auto device = backend_.device()) {
          std::lock_guard lock{mutex_};
          device_ = std::move(device.value());
        }
      }
    }
  }
}

actors::fragment_done backend_runner::lost(const job& j, const std::string& reason,
                                           bool started) const {
  const auto& f = j.fragment;
  actors::logger("worker")->warn("fragment lost prompt_id={} attempt={} url={} reason={}",
                                 f.prompt_id, f.attempt, backend_.url(), reason);
  actors::fragment_done done;
  done.prompt_id = f.prompt_id;
  done.fragment = f.fragment;
  done.attempt = f.attempt;
  done.outcome = static_cast<std::uint8_t>(actors::fragment_outcome::lost);
  done.detail_json = dump(json{{"reason", "backend " + backend_.url() + ": " + reason},
                               {"started", started}});
  done.outputs_json = "{}";
  done.meta_json = "{}";
  return done;
}

/// `run`, with what a backend's odd answer might still throw turned into a
/// lost attempt instead of the end of the thread.
actors::fragment_done backend_runner::run_guarded(job& j) {
  try {
    return run(j);
  } catch (const std::exception& e) {
    actors::logger("worker")->error("backend attempt failed prompt_id={} error={}",
                                    j.fragment.prompt_id, e.what());
    leftover_ = j.fragment.prompt_id;
    return lost(j, std::string{"unexpected answer: "} + e.what());
  }
}

actors::fragment_done backend_runner::run(job& j) {
  const auto& f = j.fragment;
  auto log = actors::logger("worker");
  log->info("fragment started prompt_id={} fragment={} attempt={} backend={}",
            f.prompt_id, f.fragment, f.attempt, backend_.url());
  if (!files_ || files_->endpoint() != j.store_endpoint) {
    files_ = std::make_unique<store_file_sink>(context_, j.store_endpoint);
  }
  auto prompt = json::parse(f.prompt_json, nullptr, false);
  auto extra = parse_object(f.extra_data_json);
  auto sensitive = parse_object(f.sensitive_json);
  for (auto& [key, value] : sensitive.items()) {
    extra[key] = value;
  }
  backend_stream stream{
      {f.prompt_id, f.fragment, f.attempt}, events_, [this](const json& ui) {
        return store_outputs(ui, *files_);
      }};

  if (j.interrupt->load()) {
    stream.interrupt_unstarted();
  } else {
    upload_inputs(prompt, *files_);  // may rename the files it names
    auto submitted = backend_.submit(prompt, f.prompt_id, client_id_, extra, f.outputs);
    if (!submitted) {
      auto reason = actors::describe(submitted.error());
      disconnect(reason);
      return lost(j, reason, false);
    }
    if (!submitted.value().accepted) {
      log->warn("backend refused prompt prompt_id={} answer={}", f.prompt_id,
                dump(submitted.value().body));
      stream.refuse(submitted.value().body);
    }
  }

  // Follow the backend's messages until the terminal one.
  auto last_heard = steady_clock::now();
  std::optional<steady_clock::time_point> interrupted_at;
  while (!stream.ended() && !stopping()) {
    if (j.interrupt->load() && !interrupted_at) {
      interrupted_at = steady_clock::now();
      if (auto sent = backend_.interrupt(f.prompt_id); !sent) {
        log->warn("backend interrupt failed prompt_id={} error={}", f.prompt_id,
                  actors::describe(sent.error()));
      }
      // Still waiting in the backend's queue: drop it there.
      if (auto dropped = backend_.forget(f.prompt_id); !dropped) {
        log->warn("backend queue delete failed prompt_id={} error={}", f.prompt_id,
                  actors::describe(dropped.error()));
      }
    }
    if (interrupted_at && !stream.started() &&
        steady_clock::now() - *interrupted_at > unstarted_grace) {
      stream.interrupt_unstarted();
      break;
    }

    auto frame = ws_->next(follow_poll);
    if (!frame) {
      auto reason = "websocket lost: " + actors::describe(frame.error());
      disconnect(reason);
      leftover_ = f.prompt_id;
      return lost(j, reason);
    }
    if (frame.value()) {
      stream.take(*frame.value());
      last_heard = steady_clock::now();
      continue;
    }
    if (steady_clock::now() - last_heard > silence_probe) {
      if (auto alive = backend_.device(); !alive) {
        auto reason = "stopped answering: " + actors::describe(alive.error());
        disconnect(reason);
        leftover_ = f.prompt_id;
        return lost(j, reason);
      }
      last_heard = steady_clock::now();
    }
  }
  if (stream.failure()) {
    // The backend ran it, but its outputs did not reach the farm's store.
    return lost(j, "outputs not stored: " + actors::describe(*stream.failure()));
  }
  if (stopping()) {
    leftover_ = f.prompt_id;
    return lost(j, "the worker is stopping");
  }

  const auto& report = stream.report();
  log->info("fragment ended prompt_id={} fragment={} attempt={} outcome={} last_seq={}",
            f.prompt_id, f.fragment, f.attempt, static_cast<int>(report.outcome),
            report.last_seq);
  return fragment_done_of(f, report);
}

bool backend_runner::stopping() const {
  std::lock_guard lock{mutex_};
  return stopping_;
}

/// A prompt this worker gave up on may still run or wait on the backend:
/// stop it there, so that the backend's GPU serves the farm's next prompt.
/// Best effort: a backend that is gone has nothing left to drop.
void backend_runner::drop_leftover(const std::string& prompt_id) {
  auto log = actors::logger("worker");
  auto dropped = backend_.forget(prompt_id);
  auto stopped = backend_.interrupt(prompt_id);
  log->info("backend leftover dropped prompt_id={} queue_delete={} interrupt={}",
            prompt_id, dropped ? "ok" : actors::describe(dropped.error()),
            stopped ? "ok" : actors::describe(stopped.error()));
}

/// Uploads to the backend every farm file the prompt's loaders name, so
/// that the backend reads the bytes the farm holds. An input keeps its name;
/// an output or temp file goes into the backend's input folder under
/// `drover_<type>/` and the prompt is changed to name it there, so that no
/// file of the backend's own folders is overwritten. A file the farm does
/// not have is left to the backend's own folders.
void backend_runner::upload_inputs(json& prompt, store_file_sink& files) {
  if (!prompt.is_object()) {
    return;
  }
  auto log = actors::logger("worker");
  for (auto& [id, node] : prompt.items()) {
    if (!node.is_object() || !node.contains("class_type") || !node.contains("inputs") ||
        !node["class_type"].is_string() || !node["inputs"].is_object()) {
      continue;
    }
    auto entry = class_entry(node["class_type"].get<std::string>());
    if (entry.is_null()) {
      continue;
    }
    for (auto& [name, value] : node["inputs"].items()) {
      if (!value.is_string() || !is_upload_input(entry, name)) {
        continue;
      }
      auto file = farm_file_of(value.get<std::string>());
      if (!file) {
        continue;
      }
      auto bytes = files.get(*file);
      if (!bytes) {
        log->debug("input not in the farm's store node={} file={} error={}", id,
                   file->filename, actors::describe(bytes.error()));
        continue;
      }
      auto subfolder = file->subfolder;
      if (file->type != "input") {
        subfolder = "drover_" + file->type + (subfolder.empty() ? "" : "/" + subfolder);
        value = subfolder + "/" + file->filename + " [input]";
      }
      if (auto sent = backend_.upload_input(file->filename, subfolder, bytes.value());
          !sent) {
        log->warn("input upload failed node={} file={} error={}", id, file->filename,
                  actors::describe(sent.error()));
      }
    }
  }
}

/// Copies every file a node's `ui` names (lists of {filename, subfolder,
/// type} of type output or temp) from the backend into the farm's store.
/// An output named with ComfyUI's counter gets the farm's next counter for
/// its prefix, so that files from several hosts never overwrite each other;
/// the returned `ui` names the files as the farm stores them.
actors::result<json> backend_runner::store_outputs(const json& ui,
                                                   store_file_sink& files) {
  static const std::regex counted{R"(^(.+)_(\d{5,})_(\.[A-Za-z0-9]+)$)"};
  json out = ui;
  for (auto& [key, list] : out.items()) {
    if (!list.is_array()) {
      continue;
    }
    for (auto& item : list) {
      if (!item.is_object() || !item.contains("filename") ||
          !item["filename"].is_string()) {
        continue;
      }
      actors::store_file file{string_of(item, "type", "output"),
                              string_of(item, "subfolder", ""),
                              item["filename"].get<std::string>()};
      if ((file.type != "output" && file.type != "temp") ||
          !actors::check_store_file(file)) {
        continue;
      }
      DROVER_TRY(bytes, backend_.view(file.filename, file.subfolder, file.type));
      std::smatch name;
      if (file.type == "output" && std::regex_match(file.filename, name, counted)) {
        DROVER_TRY(first, files.reserve(file, name[1].str(), 1));
        char number[32];
        std::snprintf(number, sizeof number, "%05llu",
                      static_cast<unsigned long long>(first));
        file.filename = name[1].str() + "_" + number + "_" + name[3].str();
        item["filename"] = file.filename;
      }
      DROVER_TRYV(files.put(file, bytes));
    }
  }
  return out;
}

}  // namespace drover::worker
