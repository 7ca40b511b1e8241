#pragma once

#include <cstdint>
#include <string>

#include "actors/result.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {

/// True when `bytes` start with "BM", as Pillow recognises a BMP.
bool looks_like_bmp(const std::string& bytes);

/// Decodes a BMP with stb_image, giving what Pillow's convert("RGB") and
/// alpha band give: RGB (3 channels), or RGBA (4) for a BMP whose bit fields
/// name an alpha mask. Fails with errc::invalid_input for damaged bytes, a
/// picture over `max_pixels` pixels, and an RLE-compressed BMP, which stb_image
/// reads unlike Pillow and bmp_rle.hpp reads as Pillow does. TGA and Netpbm
/// have their own readers, tga_reader.hpp and netpbm_reader.hpp.
actors::result<pixels8> decode_stb_bmp(const std::string& bytes,
                                       std::uint64_t max_pixels = std::uint64_t{1} << 28);

}  // namespace drover::worker
