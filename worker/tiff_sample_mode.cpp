#include "worker/tiff_sample_mode.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace drover::worker {

namespace {

using mode = tiff_sample_mode;

constexpr std::uint16_t minisblack = 1, rgb = 2, cmyk = 5, ycbcr = 6;
constexpr std::uint16_t unspecified = 0, associated = 1, unassociated = 2;

actors::error unknown(const tiff_layout& l) {
  return actors::fail(actors::errc::invalid_input,
                      "TIFF of photometric " + std::to_string(l.photometric) + ", " +
                          std::to_string(l.samples) + " samples of " +
                          std::to_string(l.bits) + " bits is an unknown pixel mode");
}

/// The alpha that Pillow's table names for the extra samples of a colour
/// page, or nothing when it has no entry for them.
bool extra_alpha(const tiff_layout& l, int colour_samples, mode::alpha_kind& alpha) {
  auto extras = static_cast<int>(l.samples) - colour_samples;
  if (extras == 1 && l.extra.empty()) {
    alpha = mode::alpha_kind::straight;  // ExtraSamples missing: taken as alpha
    return true;
  }
  if (extras < 0 || static_cast<int>(l.extra.size()) != extras) {
    return false;
  }
  alpha = mode::alpha_kind::none;
  for (std::size_t i = 0; i < l.extra.size(); ++i) {
    auto e = l.extra[i];
    if (i > 0 && e != unspecified) {
      return false;  // only the first extra sample may be alpha
    }
    bool corel = e == 999 && l.extra.size() == 1;  // Corel Draw's unassociated alpha
    if (i == 0 && (e == associated || e == unassociated || corel)) {
      alpha =
          e == associated ? mode::alpha_kind::premultiplied : mode::alpha_kind::straight;
    } else if (e != unspecified) {
      return false;
    }
  }
  return true;
}

/// The packed grey modes: "L;2" and "L;4", inverted for white-is-zero,
/// and "I;12", which Pillow has only for little-endian black-is-zero.
bool packed_grey_mode(const tiff_layout& l, mode& m) {
  if (l.format != 1 || !l.extra.empty()) {
    return false;
  }
  if (l.bits == 12) {
    m.sample = mode::sample_kind::u12;
    return l.photometric == minisblack && !l.big_endian;
  }
  m.sample = l.bits == 2 ? mode::sample_kind::u2 : mode::sample_kind::u4;
  m.inverted = l.photometric != minisblack;
  return true;
}

/// The grey modes: "L", "LA", "I;16", "F" and the packed ones.
bool grey_mode(const tiff_layout& l, mode& m) {
  m.colour = mode::colour_space::grey;
  if (l.bits == 8 && l.format == 1 && l.photometric == minisblack) {
    if (l.samples == 2 && l.extra.size() == 1 && l.extra[0] == unassociated) {
      bool planes = l.planar == 2 && l.compression != 1;
      m.alpha = planes ? mode::alpha_kind::cleared : mode::alpha_kind::straight;
      return true;
    }
    return l.samples == 1;
  }
  if (l.samples != 1) {
    return false;
  }
  if (l.bits == 2 || l.bits == 4 || l.bits == 12) {
    return packed_grey_mode(l, m);
  }
  if (l.bits == 16 && l.format == 1) {
    // Pillow has no inverted 16-bit mode, and no big-endian white-is-zero one.
    m.sample = mode::sample_kind::u16_clipped;
    return l.photometric == minisblack || !l.big_endian;
  }
  m.reversed = l.big_endian && l.compression != 1;
  if (l.bits == 32 && l.format == 3) {
    m.sample = mode::sample_kind::f32;
    return true;
  }
  // Mode "I": only black-is-zero, unsigned 32-bit only little-endian.
  m.sample = l.bits == 16 ? mode::sample_kind::i16 : mode::sample_kind::i32;
  bool i32 = l.bits == 32 && (l.format == 2 || (l.format == 1 && !l.big_endian));
  return l.photometric == minisblack && ((l.bits == 16 && l.format == 2) || i32);
}

bool colour_mode(const tiff_layout& l, mode& m) {
  if (l.format != 1 || (l.bits != 8 && l.bits != 16)) {
    return false;
  }
  m.sample = l.bits == 8 ? mode::sample_kind::u8 : mode::sample_kind::u16_high;
  if (l.photometric == cmyk) {
    m.colour = mode::colour_space::cmyk;
    if (l.bits == 16) {
      // Pillow's only 16-bit CMYK mode is little-endian and without extras.
      return !l.big_endian && l.samples == 4 && l.extra.empty();
    }
    mode::alpha_kind alpha;
    return l.samples >= 4 && l.samples <= 6 && l.extra.size() == l.samples - 4u &&
           extra_alpha(l, 4, alpha) && alpha == mode::alpha_kind::none;
  }
  m.colour = mode::colour_space::rgb;
  if (l.photometric == ycbcr) {
    return l.bits == 8 && l.samples == 3 && l.extra.empty();
  }
  auto most = l.bits == 8 ? 6 : 4;
  if (l.photometric != rgb || l.samples < 3 || l.samples > most ||
      !extra_alpha(l, 3, m.alpha)) {
    return false;
  }
  // Pillow's 16-bit entries know 999 as nothing, and unspecified only alone.
  return l.bits == 8 || l.extra.empty() || l.extra[0] != 999;
}

std::uint8_t clip8(std::int64_t v) {
  return static_cast<std::uint8_t>(std::clamp<std::int64_t>(v, 0, 255));
}

/// A mode "I" value as ComfyUI's point(lambda i: i * (1 / 255)) leaves it
/// (Pillow truncates the product) and convert("RGB") clips it.
std::uint8_t comfy_scaled(std::int32_t v) {
  return clip8(static_cast<std::int32_t>(v * (1.0 / 255) + 0.0));
}

/// One stored sample brought to 8 bits as Pillow's mode and convert do.
std::uint8_t eight_bits(const mode& m, const std::uint8_t* at) {
  auto kind = m.sample;
  switch (kind) {
    case mode::sample_kind::u8:
      return *at;
    case mode::sample_kind::u16_clipped:
    case mode::sample_kind::u16_high: {
      std::uint16_t v;
      std::memcpy(&v, at, 2);
      return kind == mode::sample_kind::u16_high ? static_cast<std::uint8_t>(v >> 8)
                                                 : clip8(v);
    }
    case mode::sample_kind::i16: {
      std::int16_t v;
      std::memcpy(&v, at, 2);
      return comfy_scaled(v);
    }
    case mode::sample_kind::i32: {
      std::uint8_t b[4] = {at[0], at[1], at[2], at[3]};
      if (m.reversed) {
        std::reverse(b, b + 4);
      }
      std::int32_t v;
      std::memcpy(&v, b, 4);
      return comfy_scaled(v);
    }
    case mode::sample_kind::f32:
    default: {
      std::uint8_t b[4] = {at[0], at[1], at[2], at[3]};
      if (m.reversed) {
        std::reverse(b, b + 4);
      }
      float v;
      std::memcpy(&v, b, 4);
      if (!(v > 0.0f)) {
        return 0;  // negative, zero and NaN
      }
      return v >= 255.0f ? 255 : static_cast<std::uint8_t>(v);
    }
  }
}

/// A row of packed grey samples, most significant bit first, brought to
/// 8 bits as Pillow's raw modes and convert("RGB") bring them.
void convert_packed_row(const mode& m, const std::uint8_t* in, std::uint8_t* out,
                        std::uint32_t width) {
  std::size_t bits = m.sample_bits();
  std::uint32_t top = (1u << bits) - 1;
  for (std::uint32_t x = 0; x < width; ++x) {
    // Only the bytes the sample lies in: the row may end with its last one.
    std::size_t first = x * bits, last = first + bits - 1;
    std::uint32_t v = 0;
    for (std::size_t b = first / 8; b <= last / 8; ++b) {
      v = v << 8 | in[b];
    }
    v = (v >> (7 - last % 8)) & top;
    if (m.sample == mode::sample_kind::u12) {
      out[x] = clip8(v);
    } else {
      auto scaled = static_cast<std::uint8_t>(v * 255 / top);
      out[x] = m.inverted ? static_cast<std::uint8_t>(255 - scaled) : scaled;
    }
  }
}

/// Pillow's MULDIV255: a * b / 255, rounded.
int muldiv255(int a, int b) {
  int t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

}  // namespace

int tiff_sample_mode::sample_bits() const {
  switch (sample) {
    case sample_kind::u2:
      return 2;
    case sample_kind::u4:
      return 4;
    case sample_kind::u8:
      return 8;
    case sample_kind::u12:
      return 12;
    case sample_kind::f32:
    case sample_kind::i32:
      return 32;
    default:
      return 16;
  }
}

int tiff_sample_mode::sample_bytes() const {
  return (sample_bits() + 7) / 8;
}

int tiff_sample_mode::channels() const {
  int colour_channels = colour == colour_space::grey ? 1 : 3;
  return colour_channels + (alpha == alpha_kind::none ? 0 : 1);
}

actors::result<tiff_sample_mode> pillow_sample_mode(const tiff_layout& l) {
  mode m;
  m.samples = l.samples;
  bool grey = l.photometric == minisblack || l.photometric == 0;
  if (!(grey ? grey_mode(l, m) : colour_mode(l, m))) {
    return unknown(l);
  }
  if (m.sample_bits() % 8 != 0 && l.fill_order != 1) {
    // Pillow reads these bit-reversed when uncompressed, and fails to
    // decompress them otherwise.
    return actors::fail(actors::errc::invalid_input,
                        "TIFF of packed grey in reversed fill order is not supported");
  }

  // Pillow reads uncompressed separate planes itself, each with the one-band
  // raw mode at the plane's place in the page's raw mode: whole bands of
  // "RGB", "RGBA" and "CMYK" have one, and the X of "RGBX"; it fails on the
  // others, and reads 16-bit samples as 8-bit ones.
  bool whole_bands = m.samples == m.channels() + (m.colour == mode::colour_space::cmyk);
  bool rgbx = m.colour == mode::colour_space::rgb && m.alpha == mode::alpha_kind::none &&
              l.extra == std::vector<std::uint16_t>{unspecified};
  if (l.planar == 2 && l.samples > 1 && l.compression == 1) {
    if (m.colour == mode::colour_space::grey ||
        m.alpha == mode::alpha_kind::premultiplied || !(whole_bands || rgbx)) {
      return actors::fail(actors::errc::invalid_input,
                          "uncompressed TIFF of separate planes in this mode is not "
                          "supported (unknown raw mode for given image mode)");
    }
    m.bytes_of_planes = m.sample != mode::sample_kind::u8;
    m.sample = mode::sample_kind::u8;
  }
  return m;
}

void convert_tiff_row(const tiff_sample_mode& m, const std::uint8_t* in,
                      std::uint8_t* out, std::uint32_t width) {
  if (m.sample_bits() % 8 != 0) {
    convert_packed_row(m, in, out, width);
    return;
  }
  int bytes = m.sample_bytes(), stride = bytes * m.samples;
  for (std::uint32_t x = 0; x < width; ++x, in += stride) {
    std::uint8_t v[4];
    int stored = m.colour == mode::colour_space::grey  ? 1
                 : m.colour == mode::colour_space::rgb ? 3
                                                       : 4;
    for (int c = 0; c < stored + (m.alpha != mode::alpha_kind::none); ++c) {
      v[c] = eight_bits(m, in + c * bytes);
    }
    if (m.alpha == mode::alpha_kind::cleared) {
      v[1] = 0;
    }
    if (m.colour == mode::colour_space::cmyk) {
      int white = 255 - v[3];
      for (int c = 0; c < 3; ++c) {
        *out++ = static_cast<std::uint8_t>(white - muldiv255(v[c], white));
      }
      continue;
    }
    if (m.alpha == mode::alpha_kind::premultiplied) {
      // Pillow's unpacker divides the colour by alpha, in 8 bits, truncating.
      int a = v[3];
      for (int c = 0; c < 3; ++c) {
        v[c] = a == 0 ? 0 : a == 255 ? v[c] : clip8(v[c] * 255 / a);
      }
    }
    out = std::copy(v, v + m.channels(), out);
  }
}

}  // namespace drover::worker
