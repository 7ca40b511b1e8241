#pragma once

#include <cstdint>
#include <string>

#include "actors/result.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {

/// The formats that stb_image decodes for drover, where its pixels were
/// found equal to Pillow's. Netpbm has its own reader (netpbm_reader.hpp).
enum class stb_format { bmp, tga };

/// True when `bytes` start with "BM", as Pillow recognises a BMP.
bool looks_like_bmp(const std::string& bytes);

/// True when `bytes` hold a TGA header that Pillow's reader accepts: a colour
/// map type of 0 or 1, a known image type, a non-zero size and a pixel depth
/// of 1, 8, 16, 24 or 32. TGA has no signature, so only try it last.
bool looks_like_tga(const std::string& bytes);

/// Decodes a BMP or TGA with stb_image, giving what Pillow's convert("RGB")
/// and alpha band give: RGB (3 channels), RGBA (4) for a 32-bit TGA and a BMP
/// whose bit fields name an alpha mask, grey (1) for a grey TGA. Fails with
/// errc::invalid_input for damaged bytes, a picture over `max_pixels` pixels,
/// and the variants where stb_image and Pillow part ways: an RLE-compressed
/// BMP, which bmp_rle.hpp reads, and a 16-bit TGA, which tga16_reader.hpp
/// reads.
actors::result<pixels8> decode_stb_picture(const std::string& bytes, stb_format format,
                                           std::uint64_t max_pixels = std::uint64_t{1}
                                                                      << 28);

}  // namespace drover::worker
