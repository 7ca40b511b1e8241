#include "worker/fragment_router.hpp"

#include <utility>

namespace drover::worker {

bool fragment_router::runs_natively(const std::string& prompt_json) const {
  auto prompt = json::parse(prompt_json, nullptr, false);
  if (!prompt.is_object()) {
    return true;  // the native runner reports the unreadable prompt
  }
  for (const auto& [id, node] : prompt.items()) {
    if (!node.is_object() || !node.contains("class_type") ||
        !node["class_type"].is_string()) {
      return true;
    }
    if (native_classes_.find(node["class_type"].get<std::string>()) == nullptr) {
      return false;
    }
  }
  return true;
}

void fragment_router::submit(actors::run_fragment job, std::string store_endpoint) {
  if (runs_natively(job.prompt_json)) {
    native_.submit(std::move(job), std::move(store_endpoint));
  } else {
    backend_.submit(std::move(job), std::move(store_endpoint));
  }
}

void fragment_router::interrupt(const std::string& prompt_id) {
  native_.interrupt(prompt_id);
  backend_.interrupt(prompt_id);
}

void fragment_router::free(const actors::free_memory& request) {
  native_.free(request);
  backend_.free(request);
}

std::string fragment_router::catalog_json() const {
  std::lock_guard lock{mutex_};
  auto generation = backend_.generation();
  if (built_for_ == generation) {
    return catalog_json_;
  }
  auto offered = native_classes_.object_info();
  auto backend_classes = backend_.catalog();
  for (auto& [name, entry] : backend_classes.items()) {
    if (!offered.contains(name)) {
      offered[name] = std::move(entry);
    }
  }
  catalog_json_ = offered.dump(-1, ' ', false, json::error_handler_t::replace);
  built_for_ = generation;
  return catalog_json_;
}

}  // namespace drover::worker
