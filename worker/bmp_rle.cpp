#include "worker/bmp_rle.hpp"

#include <algorithm>

namespace drover::worker {

std::vector<std::uint8_t> bmp_rle_indexes(const std::string& b, std::size_t at,
                                          std::uint32_t width, std::uint32_t height,
                                          bool rle4) {
  std::vector<std::uint8_t> out;
  std::size_t total = std::size_t{width} * height, x = 0;
  auto byte = [&](std::size_t i) {
    return static_cast<unsigned char>(b[i]);
  };
  while (out.size() < total && at + 2 <= b.size()) {
    std::size_t count = byte(at), value = byte(at + 1);
    at += 2;
    if (count > 0) {
      // A run: cut at the row's end, two alternating indexes in RLE4.
      count = std::min(count, x < width ? width - x : 0);
      for (std::size_t i = 0; i < count; ++i) {
        out.push_back(static_cast<std::uint8_t>(!rle4        ? value
                                                : i % 2 == 0 ? value >> 4
                                                             : value & 0x0F));
      }
      x += count;
    } else if (value == 0) {
      // End of line: zeros up to the next row's start.
      out.resize((out.size() + width - 1) / width * width, 0);
      x = 0;
    } else if (value == 1) {
      break;  // end of bitmap
    } else if (value == 2) {
      // Pillow 9.4 skips the two offset bytes and reads right and up from
      // the two after them. Zeros past the last pixel would go unused.
      if (at + 4 > b.size()) {
        break;
      }
      std::size_t skip = byte(at + 2) + std::size_t{byte(at + 3)} * width;
      out.resize(std::min(total, out.size() + skip), 0);
      x = out.size() % width;
      at += 4;
    } else {
      // Absolute: `value` indexes, of which Pillow reads value / 2 bytes in
      // RLE4, then a pad to an even offset in the file.
      std::size_t want = rle4 ? value / 2 : value;
      std::size_t got = std::min(want, b.size() - at);
      for (std::size_t i = at; i < at + got; ++i) {
        if (rle4) {
          out.push_back(static_cast<std::uint8_t>(byte(i) >> 4));
          out.push_back(static_cast<std::uint8_t>(byte(i) & 0x0F));
        } else {
          out.push_back(static_cast<std::uint8_t>(byte(i)));
        }
      }
      at += got;
      if (got < want) {
        break;
      }
      x += value;
      at += at % 2;
    }
  }
  return out;
}

}  // namespace drover::worker
