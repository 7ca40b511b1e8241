#pragma once

#include <cstdint>
#include <vector>

#include "actors/result.hpp"

namespace drover::worker {

/// The tags of a TIFF page that say how its samples are stored.
struct tiff_layout {
  std::uint32_t width = 0, height = 0;
  std::uint16_t bits = 1, samples = 1, photometric = 0, planar = 1, format = 1;
  std::uint16_t compression = 1, fill_order = 1;
  bool big_endian = false;
  std::vector<std::uint16_t> extra;
};

/// How Pillow 9.4 reads the samples of a page (its mode and raw mode) and
/// how convert("RGB") and the alpha band then bring them to 8 bits.
struct tiff_sample_mode {
  enum class colour_space { grey, rgb, cmyk };
  enum class sample_kind {
    u8,           ///< as stored
    u16_clipped,  ///< mode "I;16": values over 255 become 255
    u16_high,     ///< the 16-bit RGB and CMYK raw modes: the high byte
    f32,          ///< mode "F": truncated, clipped to 0..255, NaN as 0
    /// Mode "I" from signed 16-bit samples, or signed or unsigned 32-bit
    /// ones read as signed: ComfyUI's LoadImage scales it by 1/255
    /// (truncating, as Pillow's point transform does), then it is clipped.
    i16,
    i32,
    /// Packed grey, most significant bit first: modes "L;2" and "L;4"
    /// scaled to 0..255, and "I;12" read into mode "I;16" as stored and
    /// clipped to 255 by convert("RGB").
    u2,
    u4,
    u12,
  };
  /// `cleared`: Pillow's libtiff reader leaves the alpha of grey and alpha
  /// in separate planes at 0.
  enum class alpha_kind { none, straight, premultiplied, cleared };

  colour_space colour = colour_space::grey;
  sample_kind sample = sample_kind::u8;
  alpha_kind alpha = alpha_kind::none;
  /// Samples of a pixel as stored, extra samples that Pillow drops included.
  int samples = 1;
  /// 32-bit samples whose bytes Pillow reverses: a big-endian page that
  /// libtiff decompressed into native order already.
  bool reversed = false;
  /// 2- and 4-bit white-is-zero grey, which Pillow's raw modes invert.
  bool inverted = false;
  /// Uncompressed 16-bit separate planes, which Pillow reads with 8-bit
  /// raw modes: `sample` is then u8, and each plane's strips or tiles are
  /// read as rows of one byte a pixel (tiff_frames.hpp says which bytes).
  bool bytes_of_planes = false;

  /// Bits of one stored sample.
  int sample_bits() const;
  /// Bytes that hold one stored sample, rounded up for packed samples.
  int sample_bytes() const;
  /// Channels of the pixels8 that convert_row writes: 1 or 2 for grey, 3 or
  /// 4 for RGB and CMYK, the second of each with the alpha band.
  int channels() const;
};

/// The mode Pillow 9.4's TiffImagePlugin gives a page of `l`: 8-bit grey
/// with or without alpha, 16-bit grey ("I;16", white-is-zero read as
/// black-is-zero as Pillow does, big-endian only as black-is-zero), 32-bit
/// float grey, signed 16- and 32-bit and little-endian unsigned 32-bit
/// grey (mode "I", with ComfyUI's scaling), 2- and 4-bit grey ("L;2",
/// "L;4", white-is-zero inverted), little-endian black-is-zero 12-bit grey
/// ("I;12" into "I;16"), 8- and 16-bit RGB with no, unassociated,
/// associated or unspecified alpha and up to two unused extra samples, 8-bit CMYK and
/// little-endian 16-bit CMYK, and YCbCr that libtiff has already turned
/// into 8-bit RGB. Keeps what Pillow's libtiff reader does to compressed
/// pages: the bytes of big-endian 32-bit samples reversed, the alpha of separate
/// grey and alpha planes cleared; and what its raw reader does to uncompressed
/// 16-bit separate planes (`bytes_of_planes`). Fails with errc::invalid_input,
/// as Pillow does ("unknown pixel mode"), for the other combinations of
/// photometric, sample format, bits and extra samples, and for uncompressed
/// separate planes other than RGB, RGBA, RGBX and CMYK; and, as drover does
/// not match Pillow there yet, for packed grey of reversed fill order (which
/// Pillow reads bit-reversed or fails to decompress). Palette, bilevel and
/// white-is-zero 8-bit pages are not read through this mode.
actors::result<tiff_sample_mode> pillow_sample_mode(const tiff_layout& l);

/// Converts `width` pixels of interleaved samples in native byte order (or
/// packed grey samples, most significant bit first) at `in` into `mode.channels()` bytes
/// a pixel at `out`, as Pillow unpacks them and convert("RGB") turns them: CMYK through
/// 255 - K scaled by the ink, associated alpha divided out.
void convert_tiff_row(const tiff_sample_mode& mode, const std::uint8_t* in,
                      std::uint8_t* out, std::uint32_t width);

}  // namespace drover::worker
