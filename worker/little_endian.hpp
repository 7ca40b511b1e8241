#pragma once

#include <cstdint>
#include <string>

namespace drover::worker {

/// The unsigned little-endian integer of `n` bytes (1 to 4) at `at` in
/// `bytes`, as BMP and TGA headers store their fields. The caller makes sure
/// that the bytes are there.
inline std::uint32_t little_endian(const std::string& bytes, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) {
    v = v << 8 | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  }
  return v;
}

}  // namespace drover::worker
