#include "worker/fragment_router.hpp"

#include <map>
#include <utility>

namespace drover::worker {

std::optional<std::set<std::string>> fragment_router::classes_of(
    const std::string& prompt_json) {
  auto prompt = json::parse(prompt_json, nullptr, false);
  if (!prompt.is_object()) {
    return std::nullopt;
  }
  std::set<std::string> classes;
  for (const auto& [id, node] : prompt.items()) {
    if (!node.is_object() || !node.contains("class_type") ||
        !node["class_type"].is_string()) {
      return std::nullopt;
    }
    classes.insert(node["class_type"].get<std::string>());
  }
  return classes;
}

bool fragment_router::runs_natively(const std::set<std::string>& classes) const {
  for (const auto& c : classes) {
    if (native_classes_.find(c) == nullptr) {
      return false;
    }
  }
  return true;
}

/// The idlest backend that offers every class; the first backend when none
/// does (it answers the fragment `lost`, and the coordinator places it
/// again once the catalogs have caught up).
backend_runner& fragment_router::backend_for(const std::set<std::string>& classes) const {
  backend_runner* best = nullptr;
  std::size_t best_load = 0;
  for (auto* backend : backends_) {
    if (!backend->offers(classes)) {
      continue;
    }
    auto load = backend->load();
    if (best == nullptr || load < best_load) {
      best = backend;
      best_load = load;
    }
  }
  return best != nullptr ? *best : *backends_.front();
}

void fragment_router::submit(actors::run_fragment job, std::string store_endpoint) {
  auto classes = classes_of(job.prompt_json);
  // An unreadable prompt goes native: the native runner reports it.
  if (!classes || runs_natively(*classes)) {
    native_.submit(std::move(job), std::move(store_endpoint));
  } else {
    backend_for(*classes).submit(std::move(job), std::move(store_endpoint));
  }
}

void fragment_router::interrupt(const std::string& prompt_id) {
  native_.interrupt(prompt_id);
  for (auto* backend : backends_) {
    backend->interrupt(prompt_id);
  }
}

void fragment_router::free(const actors::free_memory& request) {
  native_.free(request);
  for (auto* backend : backends_) {
    backend->free(request);
  }
}

std::uint64_t fragment_router::generation() const {
  std::uint64_t sum = 0;
  for (auto* backend : backends_) {
    sum += backend->generation();
  }
  return sum;
}

std::string fragment_router::models_json() const {
  std::lock_guard lock{mutex_};
  auto generation = this->generation();
  if (models_for_ == generation) {
    return models_json_;
  }
  std::map<std::string, std::set<std::string>> folders;
  for (auto* backend : backends_) {
    auto models = backend->models();
    for (auto& [folder, files] : models.items()) {
      auto& names = folders[folder];
      for (const auto& file : files) {
        if (file.is_string()) {
          names.insert(file.get<std::string>());
        }
      }
    }
  }
  models_json_ = json(folders).dump(-1, ' ', false, json::error_handler_t::replace);
  models_for_ = generation;
  return models_json_;
}

std::string fragment_router::catalog_json() const {
  std::lock_guard lock{mutex_};
  auto generation = this->generation();
  if (built_for_ == generation) {
    return catalog_json_;
  }
  auto offered = native_classes_.object_info();
  for (auto* backend : backends_) {
    auto backend_classes = backend->catalog();
    for (auto& [name, entry] : backend_classes.items()) {
      if (!offered.contains(name)) {
        offered[name] = std::move(entry);
      }
    }
  }
  catalog_json_ = offered.dump(-1, ' ', false, json::error_handler_t::replace);
  built_for_ = generation;
  return catalog_json_;
}

}  // namespace drover::worker
