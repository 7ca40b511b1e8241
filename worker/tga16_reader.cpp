#include "worker/tga16_reader.hpp"

#include <algorithm>
#include <vector>

#include "worker/little_endian.hpp"
#include "worker/stb_formats.hpp"

namespace drover::worker {

namespace {

actors::error bad(const std::string& what) {
  return actors::fail(actors::errc::invalid_input, "16-bit TGA " + what);
}

/// The pixel bytes, two a pixel, row after row in the file's order.
actors::result<std::string> pixel_bytes(const std::string& b, std::size_t at,
                                        std::size_t row, std::size_t total, bool rle) {
  if (!rle) {
    if (b.size() < at || b.size() - at < total) {
      return bad("pixel data is cut short");
    }
    return b.substr(at, total);
  }
  std::string out;
  out.reserve(total);
  while (out.size() < total) {
    if (at >= b.size()) {
      return bad("pixel data is cut short");
    }
    auto packet = static_cast<unsigned char>(b[at++]);
    std::size_t n = 2 * ((packet & 0x7F) + 1u);
    if (packet & 0x80) {
      // A repeat packet must end within its row, as Pillow requires.
      if (out.size() % row + n > row) {
        return bad("repeat packet runs past the end of its row");
      }
      if (b.size() - at < 2) {
        return bad("pixel data is cut short");
      }
      for (std::size_t i = 0; i < n; i += 2) {
        out.append(b, at, 2);
      }
      at += 2;
    } else {
      // Pillow needs the whole raw packet, even what passes the last row.
      if (b.size() - at < n) {
        return bad("pixel data is cut short");
      }
      out.append(b, at, std::min(n, total - out.size()));
      at += n;
    }
  }
  return out;
}

}  // namespace

bool is_tga16(const std::string& bytes) {
  return looks_like_tga(bytes) && static_cast<unsigned char>(bytes[16]) == 16;
}

actors::result<pixels8> decode_tga16(const std::string& b, std::uint64_t max_pixels) {
  if (!is_tga16(b)) {
    return bad("header is not one");
  }
  auto type = static_cast<unsigned char>(b[2]) & 7u;
  auto descriptor = static_cast<unsigned char>(b[17]);
  std::uint32_t width = little_endian(b, 12, 2), height = little_endian(b, 14, 2);
  if (type == 1) {
    return bad("with a palette is not supported, as in Pillow");
  }
  // Pillow reads a colour map of 16, 24 or 32 bits, which it fails to apply
  // to true-colour pixels and to grey ones for 32 bits, and skips no other.
  auto map_depth = static_cast<unsigned char>(b[7]);
  bool map = b[1] == 1 && (map_depth == 16 || map_depth == 24 || map_depth == 32);
  if (map && (type == 2 || map_depth == 32)) {
    return bad("with this colour map beside its pixels is not supported, as in Pillow");
  }
  if (std::uint64_t{width} * height > max_pixels) {
    return bad("picture is larger than allowed");
  }

  std::size_t row = std::size_t{width} * 2, total = row * height;
  std::size_t at = 18 + static_cast<unsigned char>(b[0]) +
                   (map ? little_endian(b, 5, 2) * std::size_t{map_depth / 8u} : 0);
  DROVER_TRY(data, pixel_bytes(b, at, row, total, b[2] & 8));
  pixels8 p;
  p.width = width, p.height = height, p.channels = type == 2 ? 3 : 2;
  p.data.resize(std::size_t{width} * height * p.channels);
  bool top_down = descriptor & 0x20, right_to_left = descriptor & 0x10;
  for (std::size_t y = 0; y < height; ++y) {
    std::size_t out_y = top_down ? y : height - 1 - y;
    for (std::size_t x = 0; x < width; ++x) {
      std::size_t out_x = right_to_left ? width - 1 - x : x;
      auto in = reinterpret_cast<const unsigned char*>(data.data()) + y * row + x * 2;
      auto out = p.data.data() + (out_y * width + out_x) * p.channels;
      if (type == 2) {
        // Five bits each of red, green and blue, high to low; bit 15 unused.
        std::uint32_t v = in[0] | std::uint32_t{in[1]} << 8;
        out[0] = static_cast<std::uint8_t>((v >> 10 & 31) * 255 / 31);
        out[1] = static_cast<std::uint8_t>((v >> 5 & 31) * 255 / 31);
        out[2] = static_cast<std::uint8_t>((v & 31) * 255 / 31);
      } else {
        out[0] = in[0], out[1] = in[1];
      }
    }
  }
  return p;
}

}  // namespace drover::worker
