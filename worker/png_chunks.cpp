#include "worker/png_chunks.hpp"

#include <cstdint>

namespace drover::worker {

std::vector<png_chunk> whole_png_chunks(std::string_view bytes, bool* reached_end) {
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
    }
    return v;
  };
  std::vector<png_chunk> chunks;
  bool ended = false;
  std::size_t at = 8;  // the signature
  while (!ended && at + 12 <= bytes.size()) {
    std::uint32_t length = be32(at);
    if (length > bytes.size() - at - 12) {
      break;
    }
    chunks.push_back({bytes.substr(at + 4, 4), bytes.substr(at + 8, length)});
    at += 12 + std::size_t{length};
    ended = chunks.back().type == "IEND";
  }
  if (reached_end != nullptr) {
    *reached_end = ended;
  }
  return chunks;
}

}  // namespace drover::worker
