#pragma once

// Loading a coordinator with prompts through its actor protocol
// (docs/actors.md §3), for the placement and memory benchmarks. CAF stays in
// the .cpp files; callers pass the actors they hold.

#include <cstddef>
#include <string>

#include <caf/fwd.hpp>

#include "actors/messages.hpp"
#include "actors/result.hpp"

namespace drover::bench {

/// ComfyUI's catalog entries of EmptyImage and PreviewImage, from the
/// recorded object_info in tests/data, as a worker_hello would carry them.
actors::result<std::string> small_catalog();

/// A distinct trivial prompt (EmptyImage 64x64 of colour `index` ->
/// PreviewImage) with its own id and client id.
actors::submit_prompt trivial_submission(std::size_t index);

/// Submits `count` trivial prompts from `self` to `coordinator` as fast as the
/// coordinator answers (a window of requests in flight) and returns the
/// seconds it took until the last was accepted. Fails on the first refusal,
/// error or a reply missing for a minute.
actors::result<double> submit_trivial_prompts(caf::scoped_actor& self,
                                              const caf::actor& coordinator,
                                              std::size_t count);

/// The resident set size of process `pid` in MiB (VmRSS of /proc/PID/status).
actors::result<double> rss_mib(long pid);

}  // namespace drover::bench
