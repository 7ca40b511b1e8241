#pragma once

#include <cstdint>
#include <string>

#include "actors/result.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {

/// True when `bytes` hold a BMP whose Windows header (40, 64, 108 or 124
/// bytes) names RLE8 or RLE4 compression (1 or 2).
bool is_rle_bmp(const std::string& bytes);

/// Decodes a run-length BMP as Pillow 9.4's BMP reader does, into RGB (3
/// channels): each palette index through the palette, and an index past the
/// palette's end as the grey of its own value, as Pillow's palette holds it.
/// The runs are read as Pillow reads them, quirks included: the compression
/// says whether a run's byte holds one index or two; a run past the row's
/// end is cut; an end of line pads the row with index 0; a delta escape's
/// two offset bytes are skipped and right and up read from the next two; an absolute run
/// of n RLE4 pixels reads n / 2 bytes, rounded down; each absolute run ends at an even
/// file offset. Fails with errc::invalid_input for a header or palette cut short, a bit
/// depth other than 1, 4 or 8, a 1-bit black and white palette (which Pillow cannot read
/// as RLE either), runs that stop before every pixel is given (an early end
/// of bitmap too, as in Pillow), and more than `max_pixels` pixels.
actors::result<pixels8> decode_bmp_rle(const std::string& bytes,
                                       std::uint64_t max_pixels = std::uint64_t{1} << 28);

}  // namespace drover::worker
