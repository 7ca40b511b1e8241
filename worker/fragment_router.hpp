#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "actors/json.hpp"
#include "worker/backend_runner.hpp"
#include "worker/fragment_target.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// The fragment_target of a worker with a ComfyUI backend (docs/backends.md
/// §2): a fragment whose every class the worker's own node packs have runs
/// natively; any other goes whole to the backend. The worker offers the
/// native classes always and the backend's other classes while it answers.
class fragment_router final : public fragment_target {
 public:
  /// Borrows all three; they must outlive the router.
  fragment_router(const node_registry& native_classes, fragment_target& native,
                  backend_runner& backend)
      : native_classes_(native_classes), native_(native), backend_(backend) {}

  void submit(actors::run_fragment job, std::string store_endpoint) override;
  void interrupt(const std::string& prompt_id) override;
  void free(const actors::free_memory& request) override;

  /// What the worker offers now: `/object_info` entries, native ones
  /// first, as JSON text. Any thread; rebuilt only when the backend changed.
  std::string catalog_json() const;

 private:
  bool runs_natively(const std::string& prompt_json) const;

  const node_registry& native_classes_;
  fragment_target& native_;
  backend_runner& backend_;

  mutable std::mutex mutex_;
  mutable std::optional<std::uint64_t> built_for_;  ///< backend generation
  mutable std::string catalog_json_;
};

}  // namespace drover::worker
