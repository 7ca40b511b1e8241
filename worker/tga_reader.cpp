#include "worker/tga_reader.hpp"

#include <algorithm>
#include <vector>

#include "worker/little_endian.hpp"

namespace drover::worker {

namespace {

actors::error bad(const std::string& what) {
  return actors::fail(actors::errc::invalid_input, "TGA " + what);
}

/// How Pillow reads the pixels of each image type and depth it knows.
enum class tga_pixels { bilevel, grey, grey_alpha, indexed, rgb555, bgr, bgra };

actors::result<tga_pixels> pixels_of(unsigned type, unsigned depth) {
  if (type == 1 && depth == 8) {
    return tga_pixels::indexed;
  }
  if (type == 3 && (depth == 1 || depth == 8 || depth == 16)) {
    return depth == 1   ? tga_pixels::bilevel
           : depth == 8 ? tga_pixels::grey
                        : tga_pixels::grey_alpha;
  }
  if (type == 2 && (depth == 16 || depth == 24 || depth == 32)) {
    return depth == 16   ? tga_pixels::rgb555
           : depth == 24 ? tga_pixels::bgr
                         : tga_pixels::bgra;
  }
  return bad("of image type " + std::to_string(type) + " and depth " +
             std::to_string(depth) + " cannot be read, as in Pillow");
}

/// Five bits each of red, green and blue, high to low; bit 15 unused.
void rgb555(const unsigned char* in, std::uint8_t* out) {
  std::uint32_t v = in[0] | std::uint32_t{in[1]} << 8;
  out[0] = static_cast<std::uint8_t>((v >> 10 & 31) * 255 / 31);
  out[1] = static_cast<std::uint8_t>((v >> 5 & 31) * 255 / 31);
  out[2] = static_cast<std::uint8_t>((v & 31) * 255 / 31);
}

/// The colour map as Pillow reads it, RGB triples; `bytes` is its size in
/// the file, 0 for a map that Pillow neither reads nor skips.
struct colour_map {
  bool present = false;
  std::vector<std::uint8_t> rgb;
  std::size_t bytes = 0;

  /// An index past the map's end reads as the grey ramp, as in Pillow.
  void colour(unsigned index, std::uint8_t* out) const {
    for (unsigned c = 0; c < 3; ++c) {
      out[c] = index * 3 + 2 < rgb.size() ? rgb[index * 3 + c]
                                          : static_cast<std::uint8_t>(index);
    }
  }
};

actors::result<colour_map> read_map(const std::string& b, tga_pixels pixels) {
  colour_map map;
  unsigned depth = static_cast<unsigned char>(b[7]);
  if (b[1] != 1 || (depth != 16 && depth != 24 && depth != 32)) {
    return map;
  }
  bool true_colour = pixels == tga_pixels::rgb555 || pixels == tga_pixels::bgr ||
                     pixels == tga_pixels::bgra || pixels == tga_pixels::bilevel;
  if (depth == 32 || true_colour) {
    return bad(
        "colour map of this depth beside these pixels cannot be read, as in "
        "Pillow");
  }
  std::size_t start = little_endian(b, 3, 2), length = little_endian(b, 5, 2);
  std::size_t at = 18 + static_cast<unsigned char>(b[0]), entry = depth / 8;
  map.present = true;
  map.bytes = length * entry;
  if (b.size() < at + map.bytes) {
    return bad("colour map is cut short");
  }
  // 8-bit pixels index the first 256 entries only.
  // TODO(#3): a map of more than 256 entries was not checked against Pillow.
  map.rgb.assign(std::min<std::size_t>(start, 256) * 3, 0);
  for (std::size_t i = 0; i < length && map.rgb.size() < 256 * 3; ++i) {
    auto in = reinterpret_cast<const unsigned char*>(b.data()) + at + i * entry;
    std::uint8_t rgb[3] = {in[2], in[1], in[0]};
    if (entry == 2) {
      rgb555(in, rgb);
    }
    map.rgb.insert(map.rgb.end(), rgb, rgb + 3);
  }
  return map;
}

/// The pixel bytes, row after row in the file's order, `unit` bytes a pixel.
/// With `cut_rows_are_zero`, rows that the file does not hold whole, or that
/// come after a repeat packet past its row, are zero bytes, which give the
/// zero samples that Pillow leaves.
actors::result<std::string> pixel_bytes(const std::string& b, std::size_t at,
                                        std::size_t unit, std::size_t row,
                                        std::size_t total, bool rle,
                                        bool cut_rows_are_zero) {
  if (!rle) {
    std::size_t held = b.size() < at ? 0 : std::min(total, b.size() - at) / row * row;
    if (held < total && !cut_rows_are_zero) {
      return bad("pixel data is cut short");
    }
    return b.substr(std::min(at, b.size()), held).append(total - held, '\0');
  }
  std::string out;
  out.reserve(total);

  // With LOAD_TRUNCATED_IMAGES Pillow keeps the rows that the packets before
  // a cut or an error completed, and leaves the others zero.
  auto stop = [&](const char* what) -> actors::result<std::string> {
    if (!cut_rows_are_zero) {
      return bad(what);
    }
    out.resize(out.size() / row * row);
    return out.append(total - out.size(), '\0');
  };
  while (out.size() < total) {
    if (at >= b.size()) {
      return stop("pixel data is cut short");
    }
    auto packet = static_cast<unsigned char>(b[at++]);
    std::size_t n = unit * ((packet & 0x7F) + 1u);
    // Pillow needs the whole packet, even what passes the last row.
    if (b.size() - at < (packet & 0x80 ? unit : n)) {
      return stop("pixel data is cut short");
    }
    if (packet & 0x80) {
      if (out.size() % row + n > row) {
        return stop("repeat packet runs past the end of its row");
      }
      for (std::size_t i = 0; i < n; i += unit) {
        out.append(b, at, unit);
      }
      at += unit;
    } else {
      out.append(b, at, std::min(n, total - out.size()));
      at += n;
    }
  }
  return out;
}

/// The output channels for the pixels, with or without a colour map.
std::uint32_t channels_of(tga_pixels pixels, bool map) {
  switch (pixels) {
    case tga_pixels::bilevel:
      return 1;
    case tga_pixels::grey:
      return map ? 3 : 1;
    case tga_pixels::grey_alpha:
      return map ? 4 : 2;
    case tga_pixels::bgra:
      return 4;
    default:
      return 3;
  }
}

/// Writes the pixel at column `x` of the file's row `in`.
void convert(tga_pixels pixels, const colour_map& map, const unsigned char* row,
             std::size_t x, std::uint8_t* out) {
  auto in =
      row + x * (pixels == tga_pixels::bgra                                         ? 4
                 : pixels == tga_pixels::bgr                                        ? 3
                 : pixels == tga_pixels::rgb555 || pixels == tga_pixels::grey_alpha ? 2
                                                                                    : 1);
  switch (pixels) {
    case tga_pixels::bilevel:
      out[0] = row[x / 8] >> (7 - x % 8) & 1 ? 255 : 0;
      break;
    case tga_pixels::grey:
    case tga_pixels::grey_alpha:
      // Pillow turns grey pixels beside a colour map into palette indexes.
      if (map.present) {
        map.colour(in[0], out);
      } else {
        out[0] = in[0];
      }
      if (pixels == tga_pixels::grey_alpha) {
        out[map.present ? 3 : 1] = in[1];
      }
      break;
    case tga_pixels::indexed:
      map.colour(in[0], out);
      break;
    case tga_pixels::rgb555:
      rgb555(in, out);
      break;
    default:
      out[0] = in[2], out[1] = in[1], out[2] = in[0];
      if (pixels == tga_pixels::bgra) {
        out[3] = in[3];
      }
      break;
  }
}

/// The picture, strict or with the zero rows of LOAD_TRUNCATED_IMAGES.
actors::result<pixels8> decode(const std::string& b, std::uint64_t max_pixels,
                               bool cut_rows_are_zero) {
  if (!looks_like_tga(b)) {
    return bad("header is not one that Pillow reads");
  }
  unsigned type = static_cast<unsigned char>(b[2]) & 7u,
           depth = static_cast<unsigned char>(b[16]);
  bool rle = b[2] & 8;
  DROVER_TRY(pixels, pixels_of(type, depth));
  if (pixels == tga_pixels::bilevel && rle) {
    return bad("of 1-bit run-length pixels cannot be read, as in Pillow");
  }
  std::uint32_t width = little_endian(b, 12, 2), height = little_endian(b, 14, 2);
  if (std::uint64_t{width} * height > max_pixels) {
    return bad("picture is larger than allowed");
  }
  DROVER_TRY(map, read_map(b, pixels));

  std::size_t unit = (depth + 7) / 8, row = (std::size_t{width} * depth + 7) / 8;
  std::size_t at = 18 + static_cast<unsigned char>(b[0]) + map.bytes;
  // Pillow maps uncompressed 8-bit palette and grey pixels into memory from
  // the file, and fails when it is too short, LOAD_TRUNCATED_IMAGES or not.
  bool mapped = depth == 8 && (type == 1 || type == 3);
  DROVER_TRY(data, pixel_bytes(b, at, unit, row, row * height, rle,
                               cut_rows_are_zero && (rle || !mapped)));
  pixels8 p;
  p.width = width, p.height = height, p.channels = channels_of(pixels, map.present);
  p.data.resize(std::size_t{width} * height * p.channels);
  auto descriptor = static_cast<unsigned char>(b[17]);
  bool top_down = descriptor & 0x20, right_to_left = descriptor & 0x10;
  for (std::size_t y = 0; y < height; ++y) {
    auto in = reinterpret_cast<const unsigned char*>(data.data()) + y * row;
    std::size_t out_y = top_down ? y : height - 1 - y;
    for (std::size_t x = 0; x < width; ++x) {
      std::size_t out_x = right_to_left ? width - 1 - x : x;
      convert(pixels, map, in, x, &p.data[(out_y * width + out_x) * p.channels]);
    }
  }
  return p;
}

}  // namespace

bool looks_like_tga(const std::string& b) {
  if (b.size() < 18) {
    return false;
  }
  auto map_type = static_cast<unsigned char>(b[1]),
       type = static_cast<unsigned char>(b[2]), depth = static_cast<unsigned char>(b[16]);
  bool known_type =
      type == 1 || type == 2 || type == 3 || type == 9 || type == 10 || type == 11;
  bool known_depth =
      depth == 1 || depth == 8 || depth == 16 || depth == 24 || depth == 32;
  return map_type <= 1 && known_type && known_depth && little_endian(b, 12, 2) > 0 &&
         little_endian(b, 14, 2) > 0;
}

actors::result<pixels8> decode_tga(const std::string& bytes, std::uint64_t max_pixels) {
  return decode(bytes, max_pixels, false);
}

actors::result<pixels8> decode_truncated_tga(const std::string& bytes,
                                             std::uint64_t max_pixels) {
  return decode(bytes, max_pixels, true);
}

}  // namespace drover::worker
