#pragma once

#include <chrono>
#include <cstdint>

namespace drover::actors {

/// Milliseconds since the Unix epoch, as ComfyUI stamps its messages.
inline std::int64_t epoch_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace drover::actors
