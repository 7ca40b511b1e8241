#include "worker/apng.hpp"

#include <algorithm>
#include <string_view>
#include <zlib.h>

namespace drover::worker {

namespace {

constexpr std::string_view signature{"\x89PNG\r\n\x1a\n", 8};

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += static_cast<char>((v >> shift) & 0xFF);
  }
}

void put_u16(std::string& out, std::uint32_t v) {
  out += static_cast<char>((v >> 8) & 0xFF);
  out += static_cast<char>(v & 0xFF);
}

std::uint32_t get_u32(std::string_view bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return v;
}

void put_chunk(std::string& out, std::string_view type, std::string_view data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  std::string body{type};
  body += data;
  out += body;
  put_u32(out,
          static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()),
                                           static_cast<uInt>(body.size()))));
}

/// The IHDR data and the concatenated IDAT data of a PNG libpng just wrote.
struct png_parts {
  std::string ihdr;
  std::string idat;
};

png_parts split_png(std::string_view png) {
  png_parts parts;
  for (std::size_t at = signature.size(); at + 12 <= png.size();) {
    const auto length = get_u32(png, at);
    const auto type = png.substr(at + 4, 4);
    const auto data = png.substr(at + 8, length);
    if (type == "IHDR") {
      parts.ihdr = std::string{data};
    } else if (type == "IDAT") {
      parts.idat += data;
    }
    at += 12 + length;
  }
  return parts;
}

std::string frame_control(std::uint32_t sequence, const pixels8& image,
                          std::uint64_t delay_ms) {
  std::string fctl;
  put_u32(fctl, sequence);
  put_u32(fctl, image.width);
  put_u32(fctl, image.height);
  put_u32(fctl, 0);  // x offset
  put_u32(fctl, 0);  // y offset
  put_u16(fctl, static_cast<std::uint32_t>(delay_ms));
  put_u16(fctl, 1000);
  fctl += '\0';  // dispose: none
  fctl += '\0';  // blend: source
  return fctl;
}

}  // namespace

actors::result<std::string> encode_apng(const std::vector<apng_frame>& frames,
                                        const std::vector<png_text>& comf,
                                        int compress_level) {
  if (frames.empty()) {
    return actors::fail(actors::errc::invalid_input, "an animation needs a frame");
  }
  // A merged frame's delay is the sum of its frames', so it may outgrow theirs.
  struct merged_frame {
    const pixels8& image;
    std::uint64_t delay_ms;
  };
  std::vector<merged_frame> merged;
  for (const auto& f : frames) {
    const auto& first = frames.front().image;
    if (f.image.width != first.width || f.image.height != first.height ||
        f.image.channels != first.channels) {
      return actors::fail(actors::errc::invalid_input,
                          "animation frames differ in size or channels");
    }
    if (!merged.empty() && merged.back().image.data == f.image.data) {
      merged.back().delay_ms += f.delay_ms;
    } else {
      merged.push_back({f.image, f.delay_ms});
    }
  }

  // Pillow packs each delay into fcTL's 16-bit numerator with struct.pack,
  // which raises before it writes a frame; a single frame has no fcTL.
  for (const auto& f : merged) {
    if (merged.size() > 1 && f.delay_ms > 0xFFFF) {
      return actors::fail(actors::errc::invalid_input, apng_delay_overflow_message);
    }
  }

  std::string out{signature};
  std::uint32_t sequence = 0;
  for (std::size_t i = 0; i < merged.size(); ++i) {
    DROVER_TRY(png, encode_png(merged[i].image, {}, compress_level));
    auto parts = split_png(png);
    if (i == 0) {
      put_chunk(out, "IHDR", parts.ihdr);
      if (merged.size() > 1) {
        std::string actl;
        put_u32(actl, static_cast<std::uint32_t>(merged.size()));
        put_u32(actl, 0);  // loop forever
        put_chunk(out, "acTL", actl);
      }
    }
    if (merged.size() > 1) {
      put_chunk(out, "fcTL",
                frame_control(sequence++, merged[i].image, merged[i].delay_ms));
    }
    if (i == 0) {
      put_chunk(out, "IDAT", parts.idat);
    } else {
      std::string fdat;
      put_u32(fdat, sequence++);
      fdat += parts.idat;
      put_chunk(out, "fdAT", fdat);
    }
  }
  for (const auto& [keyword, text] : comf) {
    put_chunk(out, "comf", keyword + '\0' + text);
  }
  put_chunk(out, "IEND", {});
  return out;
}

}  // namespace drover::worker
