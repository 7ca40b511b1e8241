#pragma once

#include <cstdint>
#include <string>

#include "actors/result.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {

/// True when `bytes` start with "BM", as Pillow recognises a BMP.
bool looks_like_bmp(const std::string& bytes);

/// Decodes a BMP as Pillow 9.4 reads it and convert("RGB") and the alpha
/// band give it to ComfyUI, from an OS/2 (12-byte) or Windows (40, 64, 108
/// or 124-byte) header:
/// - palette indexes of 1, 4 or 8 bits, uncompressed or RLE8/RLE4 (see
///   bmp_rle.hpp), as RGB through the palette; an index past the palette's
///   end reads as the grey of its own value, as Pillow's palette holds it; a
///   palette of black then white, which Pillow opens in mode "1", has its
///   rows read one bit a pixel whatever the depth;
/// - 16-bit pixels as RGB from five bits a channel, or 5-6-5 bit fields,
///   each stretched by v * 255 / max rounded down; 24-bit pixels as RGB;
///   32-bit pixels as RGB, or as RGBA for the bit fields layouts of Pillow
///   that name an alpha byte (all-zero masks among them).
/// Rows run bottom-up unless the height's top byte is 0xFF. Fails with
/// errc::invalid_input for a header, palette or pixels cut short (the last
/// row's padding may be), a bit depth, compression or bit fields layout that
/// Pillow cannot read, RLE with a black and white palette or with other than
/// 1, 4 or 8 bits (Pillow fails on those too), runs that stop before every pixel is given
/// (an early end of bitmap too, as in Pillow), and more than `max_pixels` pixels.
actors::result<pixels8> decode_bmp(const std::string& bytes,
                                   std::uint64_t max_pixels = std::uint64_t{1} << 28);

/// As decode_bmp, with Pillow's ImageFile.LOAD_TRUNCATED_IMAGES, which
/// ComfyUI's LoadImage retries with: uncompressed pixel data cut short gives
/// the rows whose pixels the file holds (their padding may be cut), and each
/// later row as zero samples do, palette entry 0 or black and clear; a
/// palette cut short, the entries it holds. Fails as decode_bmp does
/// otherwise, for runs cut short too, as Pillow does.
actors::result<pixels8> decode_truncated_bmp(const std::string& bytes,
                                             std::uint64_t max_pixels = std::uint64_t{1}
                                                                        << 28);

}  // namespace drover::worker
