#pragma once

// bulk_mib_per_s (issue #6): a large output moved from the worker's store
// upload path (worker/store_file_sink) into the result store of a real
// coordinator process, then read back through a real gateway's GET /view.

#include <cstddef>
#include <functional>
#include <string>

#include "actors/result.hpp"

namespace drover::bench {

/// One transfer, timed.
struct bulk_run {
  double mib = 0;
  double put_seconds = 0;   ///< first byte sent until the store acknowledged it
  double view_seconds = 0;  ///< GET /view of the same file, whole body read
  double put_mib_per_s() const { return put_seconds > 0 ? mib / put_seconds : 0; }
  double view_mib_per_s() const { return view_seconds > 0 ? mib / view_seconds : 0; }
};

/// Starts `binary coordinator` and `binary gateway` on loopback once, then
/// `reps` times puts a distinct file of `mib` MiB of pseudo-random bytes
/// through a store_file_sink and checks that GET /view serves exactly those
/// bytes, calling `sample` with each. Fails when a process does not start,
/// the put fails, or /view serves other bytes.
actors::result<void> run_bulk_transfer(
    const std::string& binary, std::size_t mib, int reps,
    const std::function<void(const bulk_run&)>& sample);

}  // namespace drover::bench
