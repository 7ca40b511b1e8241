#include "worker/netpbm_reader.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

namespace drover::worker {

namespace {

/// Pillow refuses a header or plain sample token longer than this.
constexpr std::size_t max_token = 10;

/// Pillow reads plain data a block of this size at a time, and checks every
/// byte of a plain bitmap's block, even past the last pixel it needs.
constexpr std::size_t plain_block = std::size_t{1} << 20;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

actors::error bad(const std::string& what) {
  return actors::fail(actors::errc::invalid_input, "Netpbm " + what);
}

/// The value of a decimal token.
/// TODO(#3): Python's int() also takes a sign and digit separators, and
/// Pillow checks the length of a plain token cut by the end of its 1 MiB
/// read block; drover refuses the former and reads the whole file as one
/// block. No Netpbm writer makes either.
actors::result<std::uint64_t> number(const std::string& token) {
  if (token.size() > max_token) {
    return bad("token too long: " + token.substr(0, max_token + 1));
  }
  std::uint64_t v = 0;
  for (char c : token) {
    if (c < '0' || c > '9') {
      return bad("token is not a number: " + token);
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

/// Reads one header token as Pillow does: whitespace before it is skipped, a
/// '#' comment up to and with its line end is skipped without ending the
/// token, and the one whitespace byte that ends the token is consumed.
actors::result<std::uint64_t> header_token(const std::string& b, std::size_t& at) {
  std::string token;
  while (token.size() <= max_token && at < b.size()) {
    char c = b[at++];
    if (is_space(c)) {
      if (token.empty()) {
        continue;
      }
      break;
    }
    if (c == '#') {
      while (at < b.size() && b[at] != '\r' && b[at] != '\n') {
        ++at;
      }
      at += at < b.size();
      continue;
    }
    token += c;
  }
  if (token.empty()) {
    return bad("file ends inside its header");
  }
  return number(token);
}

/// What Pillow's stretch of each sample 0..maxval, and ComfyUI's scaling of a
/// mode "I" picture, make of it in 8 bits.
std::vector<std::uint8_t> stretch_table(std::uint64_t maxval, bool grey) {
  bool mode_i = grey && maxval > 255;
  double out_max = mode_i ? 65535.0 : 255.0;
  std::vector<std::uint8_t> table(maxval + 1);
  for (std::uint64_t v = 0; v <= maxval; ++v) {
    // Python's round() of the same double: nearest, halves to even.
    double s = std::min(out_max, std::nearbyint(static_cast<double>(v) /
                                                static_cast<double>(maxval) * out_max));
    if (mode_i) {
      // Pillow's point() truncates toward zero; convert("RGB") clips.
      s = std::min(255.0, std::trunc(s * (1.0 / 255.0)));
    }
    table[v] = static_cast<std::uint8_t>(s);
  }
  return table;
}

/// The header fields, and where the samples start.
struct pnm_header {
  int kind = 0;  // the digit of the magic
  std::uint64_t width = 0, height = 0, maxval = 1;
  std::size_t data = 0;
};

actors::result<pnm_header> read_header(const std::string& b, std::uint64_t max_pixels) {
  // Pillow reads the magic up to whitespace: "P6x" is no Netpbm magic.
  if (!looks_like_pnm(b) || (b.size() > 2 && !is_space(b[2]))) {
    return bad("magic is not P1 .. P6 followed by whitespace");
  }
  pnm_header h;
  h.kind = b[1] - '0';
  std::size_t at = std::min<std::size_t>(3, b.size());
  DROVER_TRY(width, header_token(b, at));
  DROVER_TRY(height, header_token(b, at));
  if (h.kind != 1 && h.kind != 4) {
    DROVER_TRY(maxval, header_token(b, at));
    if (maxval < 1 || maxval > 65535) {
      return bad("maxval must be greater than 0 and less than 65536");
    }
    h.maxval = maxval;
  }
  if (width == 0 || height == 0) {
    return bad("picture has no pixels");
  }
  if (width > max_pixels / height) {
    return bad("picture is larger than allowed");
  }
  h.width = width, h.height = height, h.data = at;
  return h;
}

/// A plain bitmap: '1' black, '0' white, whitespace and comments between.
actors::result<void> plain_bits(const std::string& b, std::size_t at,
                                std::vector<std::uint8_t>& out, std::size_t total) {
  bool comment = false;
  for (std::size_t block_end = at + plain_block; at < b.size(); ++at) {
    if (at == block_end) {
      if (out.size() == total) {
        break;
      }
      block_end += plain_block;
    }
    char c = b[at];
    if (comment || c == '#') {
      comment = c != '\n' && c != '\r';
      continue;
    }
    if (is_space(c)) {
      continue;
    }
    if (c != '0' && c != '1') {
      return bad(std::string{"bitmap holds an invalid byte '"} + c + "'");
    }
    if (out.size() < total) {
      out.push_back(c == '0' ? 255 : 0);
    }
  }
  return actors::ok();
}

/// Plain samples: decimal tokens between whitespace. A comment is cut out
/// with its line end, joining what stands on either side, as Pillow does.
actors::result<void> plain_samples(const std::string& b, std::size_t at,
                                   const pnm_header& h, std::vector<std::uint8_t>& out,
                                   std::size_t total) {
  auto table = stretch_table(h.maxval, h.kind == 2);
  std::string token;
  auto flush = [&]() -> actors::result<void> {
    if (token.empty()) {
      return actors::ok();
    }
    DROVER_TRY(v, number(token));
    if (v > h.maxval) {
      return bad("sample " + token + " is above maxval");
    }
    out.push_back(table[v]);
    token.clear();
    return actors::ok();
  };
  bool comment = false;
  for (; at < b.size() && out.size() < total; ++at) {
    char c = b[at];
    if (comment || c == '#') {
      comment = c != '\n' && c != '\r';
    } else if (is_space(c)) {
      DROVER_TRYV(flush());
    } else if (token.size() > max_token) {
      return bad("token too long: " + token);
    } else {
      token += c;
    }
  }
  // Pillow keeps a token that the end of the file cuts as half of one to
  // come and stitches it to each empty read after: it fills every sample
  // left.
  if (out.size() < total && !token.empty()) {
    DROVER_TRYV(flush());
    auto last = out.back();
    out.resize(total, last);
  }
  return actors::ok();
}

/// Binary samples, which the file is known to hold, of one byte, or two big-endian bytes
/// past maxval 255.
void binary_samples(const std::string& b, const pnm_header& h,
                    std::vector<std::uint8_t>& out, std::size_t total) {
  std::size_t width = h.maxval > 255 ? 2 : 1;
  auto table = stretch_table(h.maxval, h.kind == 5);
  auto bytes = reinterpret_cast<const unsigned char*>(b.data()) + h.data;
  for (std::size_t i = 0; i < total; ++i, bytes += width) {
    std::uint32_t v = width == 1 ? bytes[0] : std::uint32_t{bytes[0]} << 8 | bytes[1];
    out.push_back(v > h.maxval ? 255 : table[v]);
  }
}

/// The fewest bytes that hold `total` samples after the header.
std::uint64_t least_bytes(const pnm_header& h, std::uint64_t total) {
  if (h.kind == 4) {
    return (h.width + 7) / 8 * h.height;
  }
  return h.kind <= 3 ? total : total * (h.maxval > 255 ? 2 : 1);
}

/// A binary bitmap: rows padded to whole bytes, the high bit first, 1 black.
void binary_bits(const std::string& b, const pnm_header& h,
                 std::vector<std::uint8_t>& out) {
  std::size_t stride = (h.width + 7) / 8;
  for (std::size_t y = 0; y < h.height; ++y) {
    auto row = reinterpret_cast<const unsigned char*>(b.data()) + h.data + y * stride;
    for (std::size_t x = 0; x < h.width; ++x) {
      out.push_back(row[x / 8] >> (7 - x % 8) & 1 ? 0 : 255);
    }
  }
}

/// The samples after the header, in the kind's own encoding.
actors::result<void> read_samples(const std::string& b, const pnm_header& h,
                                  std::vector<std::uint8_t>& out, std::size_t total) {
  if (h.kind == 1) {
    return plain_bits(b, h.data, out, total);
  }
  if (h.kind <= 3) {
    return plain_samples(b, h.data, h, out, total);
  }
  if (h.kind == 4) {
    binary_bits(b, h, out);
  } else {
    binary_samples(b, h, out, total);
  }
  return actors::ok();
}

/// The binary file's bytes with the rows after the last whole one that it
/// holds as zero bytes, when Pillow reads the kind with its raw decoder,
/// which LOAD_TRUNCATED_IMAGES lets stop there; the rows held, or nothing.
std::optional<std::size_t> zero_cut_rows(std::string& b, const pnm_header& h,
                                         std::uint64_t bytes_needed) {
  // Pillow reads other maxvals sample by sample and fails when they run
  // out, and maps a greymap of maxval 255 into memory from the file, which
  // fails when it is too short; LOAD_TRUNCATED_IMAGES helps neither.
  bool raw = h.kind == 4 || (h.kind == 6 && h.maxval == 255) ||
             (h.kind == 5 && h.maxval == 65535);
  if (!raw) {
    return std::nullopt;
  }
  std::uint64_t row = bytes_needed / h.height;
  auto rows = static_cast<std::size_t>((b.size() - h.data) / row);
  b.resize(h.data + rows * row);
  b.resize(h.data + bytes_needed, '\0');
  return rows;
}

/// The picture, strict or with the zero rows of LOAD_TRUNCATED_IMAGES.
actors::result<pixels8> decode(std::string bytes, std::uint64_t max_pixels,
                               bool cut_rows_are_zero) {
  DROVER_TRY(h, read_header(bytes, max_pixels));
  pixels8 p;
  p.width = static_cast<std::uint32_t>(h.width);
  p.height = static_cast<std::uint32_t>(h.height);
  p.channels = h.kind == 3 || h.kind == 6 ? 3 : 1;
  auto total = static_cast<std::size_t>(h.width * h.height * p.channels);

  // Refuse a size the file cannot hold before reserving memory for it; a
  // plain sample takes one byte at least. Pillow's retry allocates the
  // picture whole however little of it the file holds, and so does drover.
  std::size_t rows = p.height;
  if (bytes.size() - h.data < least_bytes(h, total)) {
    auto held =
        cut_rows_are_zero ? zero_cut_rows(bytes, h, least_bytes(h, total)) : std::nullopt;
    if (!held) {
      return bad("file is truncated");
    }
    rows = *held;
  }
  p.data.reserve(total);
  DROVER_TRYV(read_samples(bytes, h, p.data, total));
  if (p.data.size() < total) {
    return bad("file holds too few samples");
  }

  // The rows Pillow had no bytes for keep its zero samples: black.
  std::fill(p.data.begin() + rows * p.width * p.channels, p.data.end(), 0);
  return p;
}

}  // namespace

bool looks_like_pnm(const std::string& bytes) {
  return bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '6';
}

actors::result<pixels8> decode_netpbm(const std::string& bytes,
                                      std::uint64_t max_pixels) {
  return decode(bytes, max_pixels, false);
}

actors::result<pixels8> decode_truncated_netpbm(const std::string& bytes,
                                                std::uint64_t max_pixels) {
  return decode(bytes, max_pixels, true);
}

}  // namespace drover::worker
