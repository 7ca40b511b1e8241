#include "worker/bmp_rle.hpp"

#include <algorithm>
#include <vector>

#include "worker/little_endian.hpp"

namespace drover::worker {

namespace {

actors::error bad(const std::string& what) {
  return actors::fail(actors::errc::invalid_input, "RLE BMP " + what);
}

bool windows_header(std::uint32_t size) {
  return size == 40 || size == 64 || size == 108 || size == 124;
}

/// The header fields that Pillow's reader takes from a Windows BMP.
struct rle_header {
  std::uint32_t width = 0, height = 0;
  bool top_down = false, rle4 = false;
  std::size_t data = 0;               // where the runs start
  std::vector<std::uint8_t> palette;  // RGB triples
};

actors::result<rle_header> read_header(const std::string& b, std::uint64_t max_pixels) {
  if (b.size() < 18 || !windows_header(little_endian(b, 14, 4)) ||
      b.size() < 14 + little_endian(b, 14, 4)) {
    return bad("header is cut short");
  }
  rle_header h;
  std::uint32_t header = little_endian(b, 14, 4), bits = little_endian(b, 28, 2),
                colors = little_endian(b, 46, 4);
  // Pillow takes a height whose top byte is 0xFF as negative: top-down rows.
  h.top_down = static_cast<unsigned char>(b[25]) == 0xFF;
  h.width = little_endian(b, 18, 4);
  h.height = h.top_down ? 0u - little_endian(b, 22, 4) : little_endian(b, 22, 4);
  h.rle4 = little_endian(b, 30, 4) == 2;
  if (bits != 1 && bits != 4 && bits != 8) {
    return bad("bit depth " + std::to_string(bits) + " is not supported");
  }
  if (h.width == 0 || h.height == 0) {
    return bad("picture has no pixels");
  }
  if (h.width > max_pixels / h.height) {
    return bad("picture is larger than allowed");
  }

  // The palette follows the header; the runs start where the file header
  // says, or past the palette when it points right behind the header.
  colors = colors ? colors : 1u << bits;
  if (colors > 65536 || b.size() - (14 + header) < std::size_t{colors} * 4) {
    return bad("palette is cut short or too large");
  }
  h.data = little_endian(b, 10, 4);
  h.data += h.data == 14 + header ? colors * 4 : 0;
  bool grey = true;
  for (std::uint32_t i = 0; i < colors; ++i) {
    std::size_t at = 14 + header + i * 4;
    std::uint8_t rgb[3] = {static_cast<std::uint8_t>(b[at + 2]),
                           static_cast<std::uint8_t>(b[at + 1]),
                           static_cast<std::uint8_t>(b[at])};
    auto want = static_cast<std::uint8_t>(colors == 2 ? i * 255 : i);
    grey = grey && rgb[0] == want && rgb[1] == want && rgb[2] == want;
    if (i < 256) {
      h.palette.insert(h.palette.end(), rgb, rgb + 3);
    }
  }
  if (grey && colors == 2) {
    // Pillow opens this as mode "1", for which it has no RLE reading.
    return bad("with a black and white palette is not supported");
  }
  return h;
}

/// The palette indexes in Pillow's order, row after row from the first row
/// stored, as many as the runs give: possibly more than the picture holds.
std::vector<std::uint8_t> run_indexes(const std::string& b, const rle_header& h) {
  std::vector<std::uint8_t> out;
  std::size_t total = std::size_t{h.width} * h.height, x = 0, at = h.data;
  auto byte = [&](std::size_t i) {
    return static_cast<unsigned char>(b[i]);
  };
  while (out.size() < total && at + 2 <= b.size()) {
    std::size_t count = byte(at), value = byte(at + 1);
    at += 2;
    if (count > 0) {
      // A run: cut at the row's end, two alternating indexes in RLE4.
      count = std::min(count, x < h.width ? h.width - x : 0);
      for (std::size_t i = 0; i < count; ++i) {
        out.push_back(static_cast<std::uint8_t>(!h.rle4      ? value
                                                : i % 2 == 0 ? value >> 4
                                                             : value & 0x0F));
      }
      x += count;
    } else if (value == 0) {
      // End of line: zeros up to the next row's start.
      out.resize((out.size() + h.width - 1) / h.width * h.width, 0);
      x = 0;
    } else if (value == 1) {
      break;  // end of bitmap
    } else if (value == 2) {
      // Pillow 9.4 skips the two offset bytes and reads right and up from
      // the two after them. Zeros past the last pixel would go unused.
      if (at + 4 > b.size()) {
        break;
      }
      std::size_t skip = byte(at + 2) + std::size_t{byte(at + 3)} * h.width;
      out.resize(std::min(total, out.size() + skip), 0);
      x = out.size() % h.width;
      at += 4;
    } else {
      // Absolute: `value` indexes, of which Pillow reads value / 2 bytes in
      // RLE4, then a pad to an even offset in the file.
      std::size_t want = h.rle4 ? value / 2 : value;
      std::size_t got = std::min(want, b.size() - at);
      for (std::size_t i = at; i < at + got; ++i) {
        if (h.rle4) {
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

}  // namespace

bool is_rle_bmp(const std::string& bytes) {
  if (bytes.size() < 34 || bytes.compare(0, 2, "BM") != 0 ||
      !windows_header(little_endian(bytes, 14, 4))) {
    return false;
  }
  auto compression = little_endian(bytes, 30, 4);
  return compression == 1 || compression == 2;
}

actors::result<pixels8> decode_bmp_rle(const std::string& bytes,
                                       std::uint64_t max_pixels) {
  DROVER_TRY(h, read_header(bytes, max_pixels));
  auto indexes = run_indexes(bytes, h);
  if (indexes.size() < std::size_t{h.width} * h.height) {
    return bad("runs end before the last pixel");
  }

  pixels8 p;
  p.width = h.width, p.height = h.height, p.channels = 3;
  p.data.resize(std::size_t{h.width} * h.height * 3);
  std::size_t entries = h.palette.size() / 3;
  for (std::size_t y = 0; y < h.height; ++y) {
    // Rows are stored from the bottom unless the height was negative.
    std::size_t row = h.top_down ? y : h.height - 1 - y;
    const std::uint8_t* in = indexes.data() + y * h.width;
    std::uint8_t* out = p.data.data() + row * h.width * 3;
    for (std::size_t x = 0; x < h.width; ++x, out += 3) {
      std::uint8_t i = in[x];
      if (i < entries) {
        std::copy_n(h.palette.data() + i * 3, 3, out);
      } else {
        out[0] = out[1] = out[2] = i;
      }
    }
  }
  return p;
}

}  // namespace drover::worker
