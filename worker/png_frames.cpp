#include "worker/png_frames.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <zlib.h>

#include "worker/png_orientation.hpp"

namespace drover::worker {

namespace {

constexpr std::string_view png_signature{"\x89PNG\r\n\x1a\n", 8};

/// fcTL's disposal and blending codes (the APNG specification's values).
enum : std::uint8_t { dispose_none = 0, dispose_background = 1, dispose_previous = 2 };
enum : std::uint8_t { blend_source = 0, blend_over = 1 };

using chunk = png_chunk;

/// One frame as the file lays it out: its place on the canvas, its ops and
/// its compressed image data.
struct frame_layout {
  std::uint32_t width = 0, height = 0, x = 0, y = 0;
  std::uint8_t dispose = dispose_none, blend = blend_source;
  std::string data;
};

std::uint32_t be32(std::string_view s, std::size_t at) {
  auto b = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i]));
  };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += static_cast<char>((v >> shift) & 0xFF);
  }
}

void put_chunk(std::string& out, std::string_view type, std::string_view data) {
  put32(out, static_cast<std::uint32_t>(data.size()));
  std::string body{type};
  body.append(data);
  out += body;
  put32(out,
        static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()),
                                         static_cast<uInt>(body.size()))));
}

/// The chunks up to IEND; fails when one runs past the end of the bytes.
actors::result<std::vector<chunk>> split_chunks(std::string_view bytes) {
  bool whole = false;
  auto chunks = whole_png_chunks(bytes, &whole);
  if (!whole) {
    return actors::fail(actors::errc::invalid_input, "truncated PNG file");
  }
  return chunks;
}

/// The frames of an animation whose acTL declares `declared` frames, or an
/// error when the chunks do not describe one as Pillow reads it.
actors::result<std::vector<frame_layout>> layout_frames(const std::vector<chunk>& chunks,
                                                        std::uint32_t declared,
                                                        std::uint32_t width,
                                                        std::uint32_t height) {
  std::vector<frame_layout> frames;
  bool open = false, default_separate = false;
  for (const auto& c : chunks) {
    if (c.type == "fcTL") {
      if (c.data.size() < 26) {
        return actors::fail(actors::errc::invalid_input,
                            "APNG contains truncated fcTL chunk");
      }
      if (open && frames.back().data.empty()) {
        return actors::fail(actors::errc::invalid_input, "APNG missing frame data");
      }
      frame_layout f;
      f.width = be32(c.data, 4), f.height = be32(c.data, 8);
      f.x = be32(c.data, 12), f.y = be32(c.data, 16);
      if (f.width == 0 || f.height == 0 || f.x > width || f.y > height ||
          f.width > width - f.x || f.height > height - f.y) {
        return actors::fail(actors::errc::invalid_input, "APNG contains invalid frames");
      }
      f.dispose = static_cast<std::uint8_t>(c.data[24]);
      f.blend = static_cast<std::uint8_t>(c.data[25]);
      frames.push_back(std::move(f));
      open = true;
    } else if (c.type == "IDAT") {
      if (!open) {
        // A default image outside the animation is Pillow's frame 0.
        frame_layout whole;
        whole.width = width, whole.height = height;
        frames.push_back(std::move(whole));
        open = default_separate = true;
      }
      frames.back().data.append(c.data);
    } else if (c.type == "fdAT") {
      if (!open || c.data.size() < 4) {
        return actors::fail(actors::errc::invalid_input, "APNG frame data out of place");
      }
      frames.back().data.append(c.data.substr(4));
    }
  }
  auto count = std::size_t{declared} + (default_separate ? 1 : 0);
  if (frames.empty() || frames.back().data.empty()) {
    return actors::fail(actors::errc::invalid_input, "APNG missing frame data");
  }
  frames.resize(std::min(frames.size(), count));
  return frames;
}

/// `f` as a plain PNG: the file's header resized to the frame, the chunks
/// that give pixels their colour, the frame's image data.
std::string frame_png(std::string_view ihdr, const std::vector<chunk>& chunks,
                      const frame_layout& f) {
  std::string header{ihdr};
  std::string out{png_signature};
  header.replace(0, 8, [&] {
    std::string size;
    put32(size, f.width);
    put32(size, f.height);
    return size;
  }());
  put_chunk(out, "IHDR", header);
  for (const auto& c : chunks) {
    if (c.type == "IDAT") {
      break;
    }
    if (c.type == "PLTE" || c.type == "tRNS") {
      put_chunk(out, c.type, c.data);
    }
  }
  put_chunk(out, "IDAT", f.data);
  put_chunk(out, "IEND", {});
  return out;
}

/// Pillow's paste through an alpha mask, channel by channel with its
/// rounding division by 255.
std::uint8_t blend(std::uint8_t under, std::uint8_t over, std::uint8_t alpha) {
  std::uint32_t v = std::uint32_t{under} * (255u - alpha) + std::uint32_t{over} * alpha;
  std::uint32_t t = v + 128;
  return static_cast<std::uint8_t>(((t >> 8) + t) >> 8);
}

/// Draws `part` at (f.x, f.y) of `canvas`, replacing or blending over what
/// `under` shows there.
void draw(pixels8& canvas, const pixels8* under, const pixels8& part,
          const frame_layout& f) {
  const std::size_t c = canvas.channels;
  const bool alpha = c == 2 || c == 4;
  for (std::uint32_t y = 0; y < part.height; ++y) {
    for (std::uint32_t x = 0; x < part.width; ++x) {
      const std::uint8_t* src = part.data.data() + (std::size_t{y} * part.width + x) * c;
      std::size_t at = (std::size_t{f.y + y} * canvas.width + f.x + x) * c;
      std::uint8_t* dst = canvas.data.data() + at;
      if (under == nullptr) {
        std::memcpy(dst, src, c);
        continue;
      }
      std::uint8_t a = alpha ? src[c - 1] : 255;
      for (std::size_t k = 0; k < c; ++k) {
        dst[k] = blend(under->data[at + k], src[k], a);
      }
    }
  }
}

/// Copies the frame's rectangle of `from` into `to`.
void restore(pixels8& to, const pixels8& from, const frame_layout& f) {
  const std::size_t c = to.channels;
  for (std::uint32_t y = f.y; y < f.y + f.height; ++y) {
    std::size_t at = (std::size_t{y} * to.width + f.x) * c;
    std::memcpy(to.data.data() + at, from.data.data() + at, std::size_t{f.width} * c);
  }
}

/// For a palette picture, the pixel that palette index 0 expands to, which
/// Pillow's background disposal leaves; nothing for other colour types.
std::optional<std::vector<std::uint8_t>> index_zero(const std::vector<chunk>& chunks,
                                                    std::uint32_t channels) {
  constexpr char palette_type = 3;
  if (chunks.front().data[9] != palette_type) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> px(channels, 255);
  for (const auto& c : chunks) {
    if (c.type == "IDAT") {
      break;
    }
    if (c.type == "PLTE" && c.data.size() >= 3) {
      std::copy(c.data.begin(), c.data.begin() + 3, px.begin());
    } else if (c.type == "tRNS" && !c.data.empty() && channels == 4) {
      px[3] = static_cast<std::uint8_t>(c.data[0]);
    }
  }
  return px;
}

std::string exif_of(const std::vector<chunk>& chunks) {
  for (const auto& c : chunks) {
    if (c.type == "eXIf") {
      return std::string{c.data};
    }
  }
  return {};
}

}  // namespace

actors::result<decoded_png_frames> decode_png_frames(const std::string& bytes,
                                                     std::size_t max_frames,
                                                     std::uint64_t max_pixels) {
  DROVER_TRY(still, decode_png(bytes));
  DROVER_TRY(chunks, split_chunks(bytes));
  decoded_png_frames out;
  out.exif = exif_of(chunks);
  DROVER_TRY(orientation, png_orientation(chunks));
  out.orientation = orientation;

  // As Pillow, a PNG with no acTL, several, or one declaring no frames shows
  // its default image alone.
  std::uint32_t declared = 0;
  int actl = 0;
  for (const auto& c : chunks) {
    if (c.type == "acTL" && c.data.size() >= 8) {
      declared = be32(c.data, 0), ++actl;
    }
  }
  if (actl != 1 || declared == 0 || declared > 0x80000000u || max_frames <= 1) {
    out.frames.push_back(std::move(still.image));
    return out;
  }

  const auto& canvas_size = still.image;
  if (chunks.front().type != "IHDR" || chunks.front().data.size() != 13) {
    return actors::fail(actors::errc::invalid_input, "PNG file without IHDR");
  }
  DROVER_TRY(layout,
             layout_frames(chunks, declared, canvas_size.width, canvas_size.height));
  auto kept = std::min(layout.size(), max_frames);
  if (std::uint64_t{kept} * canvas_size.width * canvas_size.height > max_pixels) {
    return actors::fail(actors::errc::invalid_input, "APNG frames too large together");
  }
  // What background disposal leaves, and the canvas before the first frame.
  // Pillow keeps a palette picture's frames as indexes: disposal leaves
  // index 0, and blending pastes indexes through a palette it reads opaque.
  pixels8 clear{canvas_size.width, canvas_size.height, canvas_size.channels, {}};
  clear.data.assign(canvas_size.data.size(), 0);
  auto zero = index_zero(chunks, clear.channels);
  for (std::size_t at = 0; zero && at < clear.data.size(); at += zero->size()) {
    std::copy(zero->begin(), zero->end(), clear.data.begin() + at);
  }
  pixels8 canvas = clear;
  pixels8 before;  // the canvas as the previous frame's disposal left it
  const frame_layout* pending = nullptr;
  for (std::size_t i = 0; i < layout.size() && out.frames.size() < max_frames; ++i) {
    const auto& f = layout[i];
    if (pending != nullptr && pending->dispose == dispose_background) {
      restore(canvas, clear, *pending);
    } else if (pending != nullptr && pending->dispose == dispose_previous) {
      restore(canvas, before, *pending);
    }
    auto decoded = decode_png(frame_png(chunks.front().data, chunks, f));
    if (!decoded) {
      return actors::fail(
          actors::errc::invalid_input,
          "APNG frame " + std::to_string(i) + ": " + decoded.error().message);
    }
    const auto& part = decoded.value().image;
    if (part.channels != canvas.channels || part.width != f.width ||
        part.height != f.height) {
      return actors::fail(actors::errc::invalid_input, "APNG contains invalid frames");
    }
    before = canvas;
    draw(canvas, i > 0 && f.blend == blend_over && !zero ? &before : nullptr, part, f);
    out.frames.push_back(canvas);
    // Before the first frame the canvas is blank, so that frame's "previous"
    // disposal clears to the background, as Pillow's does.
    pending = &f;
  }
  return out;
}

}  // namespace drover::worker
