#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "actors/result.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {

/// True when `bytes` start with a little- or big-endian TIFF header
/// ("II*\0" or "MM\0*"), as Pillow recognises a TIFF.
bool looks_like_tiff(const std::string& bytes);

/// A TIFF page as stored, before its orientation tag turns it.
struct tiff_page {
  pixels8 image;
  /// The Orientation tag (1..8), which ImageOps.exif_transpose applies.
  int orientation = 1;
};

/// Decodes the pages of a TIFF with libtiff, keeping at most `max_frames`,
/// each as Pillow's convert("RGB") and alpha band give it: 8-bit grey (1
/// channel), grey with unassociated alpha (2), RGB (3) or RGB with
/// unassociated alpha (4), in strips or tiles, with any compression libtiff
/// reads; palette and bilevel pages through libtiff's RGBA reader, as RGB.
/// Fails with errc::invalid_input for damaged bytes, pages over `max_pixels`
/// pixels together, and the variants not checked against Pillow: other
/// sample sizes, associated alpha, MINISWHITE grey, separate planes, CMYK,
/// YCbCr and Lab.
actors::result<std::vector<tiff_page>> decode_tiff_pages(
    const std::string& bytes,
    std::size_t max_frames = std::numeric_limits<std::size_t>::max(),
    std::uint64_t max_pixels = std::uint64_t{1} << 28);

}  // namespace drover::worker
