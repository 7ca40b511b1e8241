#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/json.hpp"
#include "worker/backend_runner.hpp"
#include "worker/fragment_target.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// The fragment_target of a worker with ComfyUI backends (docs/backends.md
/// §2): a fragment whose every class the worker's own node packs have runs
/// natively; any other goes whole to one backend that offers every class it
/// uses, the idlest of them. The worker offers the native classes always
/// and each backend's other classes while that backend answers.
class fragment_router final : public fragment_target {
 public:
  /// Borrows all of them; they must outlive the router. `backends` is not
  /// empty.
  fragment_router(const node_registry& native_classes, fragment_target& native,
                  std::vector<backend_runner*> backends)
      : native_classes_(native_classes),
        native_(native),
        backends_(std::move(backends)) {}

  void submit(actors::run_fragment job, std::string store_endpoint) override;
  void interrupt(const std::string& prompt_id) override;
  void free(const actors::free_memory& request) override;

  /// What the worker offers now: `/object_info` entries, native ones
  /// first, as JSON text. Any thread; rebuilt only when a backend changed.
  std::string catalog_json() const;

  /// The model files of the backends that answer, by folder, each folder's
  /// files sorted and listed once, as JSON text. Any thread; rebuilt only
  /// when a backend changed.
  std::string models_json() const;

 private:
  /// The classes of `prompt_json`; nullopt when it does not parse.
  static std::optional<std::set<std::string>> classes_of(const std::string& prompt_json);
  bool runs_natively(const std::set<std::string>& classes) const;
  backend_runner& backend_for(const std::set<std::string>& classes) const;

  const node_registry& native_classes_;
  fragment_target& native_;
  std::vector<backend_runner*> backends_;

  mutable std::mutex mutex_;
  mutable std::optional<std::uint64_t> built_for_;  ///< sum of backend generations
  mutable std::string catalog_json_;
  mutable std::optional<std::uint64_t> models_for_;  ///< sum of backend generations
  mutable std::string models_json_;

  std::uint64_t generation() const;
};

}  // namespace drover::worker
