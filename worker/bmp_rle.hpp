#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace drover::worker {

/// The palette indexes that the RLE8 or RLE4 runs starting at `at` in `bytes`
/// give a `width` x `height` BMP, row after row from the first row stored, as
/// Pillow 9.4 reads them: as many as the runs give before they end (at the
/// end of bitmap or of the bytes) or fill the picture, which an absolute run
/// may overfill by a few. Its quirks included: the compression says whether a run's
/// byte holds one index or two; a run past the row's end is cut; an end of
/// line pads the row with index 0; a delta escape's two offset bytes are
/// skipped and right and up read from the next two; an absolute run of n
/// RLE4 pixels reads n / 2 bytes, rounded down; each absolute run ends at an
/// even offset in `bytes`, which must be the whole file. Never reads past
/// the end of `bytes`.
std::vector<std::uint8_t> bmp_rle_indexes(const std::string& bytes, std::size_t at,
                                          std::uint32_t width, std::uint32_t height,
                                          bool rle4);

}  // namespace drover::worker
