#include "worker/bmp_reader.hpp"

#include <algorithm>
#include <vector>

#include "worker/bmp_rle.hpp"
#include "worker/little_endian.hpp"

namespace drover::worker {

namespace {

actors::error bad(const std::string& what) {
  return actors::fail(actors::errc::invalid_input, "BMP " + what);
}

/// The header sizes that Pillow reads: OS/2 1.x (12) and Windows (40 up).
bool known_header(std::uint32_t size) {
  return size == 12 || size == 40 || size == 64 || size == 108 || size == 124;
}

/// How Pillow unpacks each pixel: its rawmode.
enum class bmp_pixels {
  indexed,
  black_white,
  bgr15,
  bgr16,
  bgr,
  bgrx,
  xbgr,
  abgr,
  rgba,
  bgra
};

/// The header fields that Pillow's reader takes.
struct bmp_header {
  std::uint32_t width = 0, height = 0, bits = 0, compression = 0;
  bool top_down = false;
  bmp_pixels pixels = bmp_pixels::indexed;
  std::size_t data = 0;               // where the pixels start
  std::vector<std::uint8_t> palette;  // RGB triples
};

/// The rawmode that Pillow picks for 16, 24 and 32-bit pixels: from the bit
/// fields masks when the compression names them (after a 40-byte header the
/// three masks follow it, and there is no alpha mask).
actors::result<bmp_pixels> true_colour(const std::string& b, const bmp_header& h,
                                       std::uint32_t header) {
  if (h.compression == 0) {
    return h.bits == 16   ? bmp_pixels::bgr15
           : h.bits == 24 ? bmp_pixels::bgr
                          : bmp_pixels::bgrx;
  }
  if (h.compression != 3) {
    return bad("compression " + std::to_string(h.compression) +
               " cannot be read, as in Pillow");
  }
  if (b.size() < 70) {
    return bad("bit fields are cut short");
  }
  std::uint32_t r = little_endian(b, 54, 4), g = little_endian(b, 58, 4),
                bl = little_endian(b, 62, 4),
                a = header >= 56 ? little_endian(b, 66, 4) : 0;
  auto is = [&](std::uint32_t r2, std::uint32_t g2, std::uint32_t b2, std::uint32_t a2) {
    return r == r2 && g == g2 && bl == b2 && (h.bits != 32 || a == a2);
  };
  if (h.bits == 32) {
    if (is(0xFF0000, 0xFF00, 0xFF, 0))
      return bmp_pixels::bgrx;
    if (is(0xFF000000, 0xFF0000, 0xFF00, 0))
      return bmp_pixels::xbgr;
    if (is(0xFF000000, 0xFF0000, 0xFF00, 0xFF))
      return bmp_pixels::abgr;
    if (is(0xFF, 0xFF00, 0xFF0000, 0xFF000000))
      return bmp_pixels::rgba;
    if (is(0xFF0000, 0xFF00, 0xFF, 0xFF000000) || is(0, 0, 0, 0)) {
      return bmp_pixels::bgra;
    }
  } else if (h.bits == 24 && is(0xFF0000, 0xFF00, 0xFF, 0)) {
    return bmp_pixels::bgr;
  } else if (h.bits == 16 && is(0xF800, 0x7E0, 0x1F, 0)) {
    return bmp_pixels::bgr16;
  } else if (h.bits == 16 && is(0x7C00, 0x3E0, 0x1F, 0)) {
    return bmp_pixels::bgr15;
  }
  return bad("bit fields layout cannot be read, as in Pillow");
}

/// Reads the palette, which follows the header: three bytes an entry after
/// an OS/2 header and four otherwise, as many entries as the file holds.
void read_palette(const std::string& b, std::uint32_t header, std::uint32_t colors,
                  bmp_header& h) {
  std::size_t entry = header == 12 ? 3 : 4;
  std::size_t held = std::min<std::size_t>(colors, (b.size() - 14 - header) / entry);
  bool grey = held == colors;
  for (std::uint32_t i = 0; i < held; ++i) {
    std::size_t at = 14 + header + i * entry;
    std::uint8_t rgb[3] = {static_cast<std::uint8_t>(b[at + 2]),
                           static_cast<std::uint8_t>(b[at + 1]),
                           static_cast<std::uint8_t>(b[at])};
    auto want = static_cast<std::uint8_t>(colors == 2 ? i * 255 : i);
    grey = grey && rgb[0] == want && rgb[1] == want && rgb[2] == want;
    // TODO(#3): a palette of more than 256 entries was not checked against
    // Pillow; 8-bit indexes reach no further.
    if (i < 256) {
      h.palette.insert(h.palette.end(), rgb, rgb + 3);
    }
  }
  // Pillow opens a black then white palette of two entries in mode "1".
  h.pixels = grey && colors == 2 ? bmp_pixels::black_white : bmp_pixels::indexed;
}

actors::result<bmp_header> read_header(const std::string& b, std::uint64_t max_pixels) {
  if (b.size() < 18 || !known_header(little_endian(b, 14, 4)) ||
      b.size() < 14 + little_endian(b, 14, 4)) {
    return bad("header is cut short");
  }
  bmp_header h;
  std::uint32_t header = little_endian(b, 14, 4);
  if (header == 12) {
    h.width = little_endian(b, 18, 2), h.height = little_endian(b, 20, 2);
    h.bits = little_endian(b, 24, 2);
  } else {
    // Pillow takes a height whose top byte is 0xFF as negative: top-down rows.
    h.top_down = static_cast<unsigned char>(b[25]) == 0xFF;
    h.width = little_endian(b, 18, 4);
    h.height = h.top_down ? 0u - little_endian(b, 22, 4) : little_endian(b, 22, 4);
    h.bits = little_endian(b, 28, 2), h.compression = little_endian(b, 30, 4);
  }
  bool indexed = h.bits == 1 || h.bits == 4 || h.bits == 8;
  if (!indexed && h.bits != 16 && h.bits != 24 && h.bits != 32) {
    return bad("bit depth " + std::to_string(h.bits) + " cannot be read, as in Pillow");
  }
  if (h.width == 0 || h.height == 0) {
    return bad("picture has no pixels");
  }
  if (h.width > max_pixels / h.height) {
    return bad("picture is larger than allowed");
  }

  // The pixels start where the file header says, or past a palette of four
  // bytes an entry when it points right behind the header.
  h.data = little_endian(b, 10, 4);
  bool rle = h.compression == 1 || h.compression == 2;
  if (!indexed) {
    if (rle) {
      return bad("RLE of " + std::to_string(h.bits) +
                 "-bit pixels cannot be read, "
                 "as in Pillow");
    }
    DROVER_TRY(pixels, true_colour(b, h, header));
    h.pixels = pixels;
    return h;
  }
  if (h.compression > 2) {
    return bad("compression " + std::to_string(h.compression) +
               " of palette indexes cannot be read, as in Pillow");
  }
  std::uint32_t colors = header == 12 ? 0 : little_endian(b, 46, 4);
  colors = colors ? colors : 1u << h.bits;
  if (colors > 65536) {
    return bad("palette is too large");
  }
  h.data += h.data == 14 + header ? colors * 4 : 0;
  read_palette(b, header, colors, h);
  if (rle && h.pixels == bmp_pixels::black_white) {
    return bad("RLE with a black and white palette cannot be read, as in Pillow");
  }
  return h;
}

/// Writes one pixel of the file's row `row` at column `x`.
void convert(const bmp_header& h, const unsigned char* row, std::size_t x,
             std::uint8_t* out) {
  auto in = row + x * (h.bits / 8);
  std::uint32_t v16 = h.bits == 16 ? in[0] | std::uint32_t{in[1]} << 8 : 0;
  switch (h.pixels) {
    case bmp_pixels::black_white:
      out[0] = row[x / 8] >> (7 - x % 8) & 1 ? 255 : 0;
      break;
    case bmp_pixels::bgr15:
      out[0] = static_cast<std::uint8_t>((v16 >> 10 & 31) * 255 / 31);
      out[1] = static_cast<std::uint8_t>((v16 >> 5 & 31) * 255 / 31);
      out[2] = static_cast<std::uint8_t>((v16 & 31) * 255 / 31);
      break;
    case bmp_pixels::bgr16:
      out[0] = static_cast<std::uint8_t>((v16 >> 11 & 31) * 255 / 31);
      out[1] = static_cast<std::uint8_t>((v16 >> 5 & 63) * 255 / 63);
      out[2] = static_cast<std::uint8_t>((v16 & 31) * 255 / 31);
      break;
    case bmp_pixels::xbgr:
    case bmp_pixels::abgr:
      out[0] = in[3], out[1] = in[2], out[2] = in[1];
      if (h.pixels == bmp_pixels::abgr) {
        out[3] = in[0];
      }
      break;
    case bmp_pixels::rgba:
      std::copy_n(in, 4, out);
      break;
    default:  // bgr, bgrx and bgra
      out[0] = in[2], out[1] = in[1], out[2] = in[0];
      if (h.pixels == bmp_pixels::bgra) {
        out[3] = in[3];
      }
      break;
  }
}

/// An index through the palette; one past its end reads as grey, as in Pillow.
void colour(const bmp_header& h, std::uint8_t index, std::uint8_t* out) {
  if (std::size_t{index} * 3 < h.palette.size()) {
    std::copy_n(h.palette.data() + std::size_t{index} * 3, 3, out);
  } else {
    out[0] = out[1] = out[2] = index;
  }
}

/// The bytes of an uncompressed row, padded to four.
std::size_t stride_of(const bmp_header& h) {
  return ((std::size_t{h.width} * h.bits + 31) >> 3) & ~std::size_t{3};
}

/// The uncompressed rows that the file holds whole. Pillow's decoder needs a
/// row's pixels, not the padding after the last one.
std::size_t rows_held(const std::string& b, const bmp_header& h) {
  std::size_t pixel_bytes = (std::size_t{h.width} * h.bits + 7) / 8;
  if (b.size() < h.data || b.size() - h.data < pixel_bytes) {
    return 0;
  }
  return std::min<std::size_t>(h.height,
                               (b.size() - h.data - pixel_bytes) / stride_of(h) + 1);
}

/// The picture of the first `rows` uncompressed rows in the file's order.
void read_rows(const std::string& b, const bmp_header& h, std::size_t rows, pixels8& p) {
  std::size_t stride = stride_of(h);
  for (std::size_t y = 0; y < rows; ++y) {
    auto row = reinterpret_cast<const unsigned char*>(b.data()) + h.data + y * stride;
    std::size_t out_y = h.top_down ? y : h.height - 1 - y;
    auto out = p.data.data() + out_y * h.width * p.channels;
    for (std::size_t x = 0; x < h.width; ++x, out += p.channels) {
      if (h.pixels == bmp_pixels::indexed) {
        std::size_t bit = x * h.bits;
        colour(h, row[bit / 8] >> (8 - h.bits - bit % 8) & ((1u << h.bits) - 1), out);
      } else {
        convert(h, row, x, out);
      }
    }
  }
}

/// The picture of RLE8 or RLE4 runs.
actors::result<void> read_runs(const std::string& b, const bmp_header& h, pixels8& p) {
  auto indexes = bmp_rle_indexes(b, h.data, h.width, h.height, h.compression == 2);
  if (indexes.size() < std::size_t{h.width} * h.height) {
    return bad("runs end before the last pixel");
  }
  for (std::size_t y = 0; y < h.height; ++y) {
    std::size_t out_y = h.top_down ? y : h.height - 1 - y;
    for (std::size_t x = 0; x < h.width; ++x) {
      colour(h, indexes[y * h.width + x], &p.data[(out_y * h.width + x) * 3]);
    }
  }
  return actors::ok();
}

/// The picture, strict or with the zero rows of LOAD_TRUNCATED_IMAGES.
actors::result<pixels8> decode(const std::string& bytes, std::uint64_t max_pixels,
                               bool cut_rows_are_zero) {
  DROVER_TRY(h, read_header(bytes, max_pixels));
  bool rle = h.compression == 1 || h.compression == 2;
  std::size_t rows = rle ? h.height : rows_held(bytes, h);
  if (!rle && rows < h.height && !cut_rows_are_zero) {
    return bad("pixel data is cut short");
  }
  pixels8 p;
  p.width = h.width, p.height = h.height;
  p.channels = h.pixels == bmp_pixels::black_white ? 1
               : h.pixels == bmp_pixels::abgr || h.pixels == bmp_pixels::rgba ||
                       h.pixels == bmp_pixels::bgra
                   ? 4
                   : 3;
  p.data.resize(std::size_t{h.width} * h.height * p.channels);
  if (rle) {
    DROVER_TRYV(read_runs(bytes, h, p));
  } else {
    read_rows(bytes, h, rows, p);
  }

  // Pillow leaves the rows it has no bytes for as zero samples: palette
  // entry 0 for indexes, else black (and clear).
  for (std::size_t y = rows; y < h.height && h.pixels == bmp_pixels::indexed; ++y) {
    std::size_t out_y = h.top_down ? y : h.height - 1 - y;
    for (std::size_t x = 0; x < h.width; ++x) {
      colour(h, 0, &p.data[(out_y * h.width + x) * 3]);
    }
  }
  return p;
}

}  // namespace

bool looks_like_bmp(const std::string& bytes) {
  return bytes.compare(0, 2, "BM") == 0;
}

actors::result<pixels8> decode_bmp(const std::string& bytes, std::uint64_t max_pixels) {
  return decode(bytes, max_pixels, false);
}

actors::result<pixels8> decode_truncated_bmp(const std::string& bytes,
                                             std::uint64_t max_pixels) {
  return decode(bytes, max_pixels, true);
}

}  // namespace drover::worker
