#pragma once

#include <cstdint>
#include <string>

#include "actors/result.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {

/// True when `bytes` hold a TGA header (see looks_like_tga) of pixel depth 16.
bool is_tga16(const std::string& bytes);

/// Decodes a TGA of 16-bit pixels as Pillow 9.4 reads it: a true-colour one
/// (type 2, or 10 run-length) as RGB from five bits a channel, each stretched
/// by v * 255 / 31 rounded down, its attribute bit ignored; a grey one (type
/// 3 or 11) as grey and alpha, a byte each, the alpha becoming LoadImage's
/// mask. Rows run bottom-up unless the descriptor says top-down, and right to
/// left when it says so. Run-length data is read as Pillow reads it: a raw
/// packet may run on into the next rows, a repeat packet may not pass the
/// row's end. Fails with errc::invalid_input for a header that is not a
/// 16-bit TGA, a palette type (Pillow has no 16-bit index mode), a colour
/// map of 16, 24 or 32 bits beside true-colour pixels or of 32 bits beside
/// grey ones (Pillow fails to apply those; it skips the others), pixel data
/// cut short, a repeat packet past its row, and more than `max_pixels`
/// pixels.
actors::result<pixels8> decode_tga16(const std::string& bytes,
                                     std::uint64_t max_pixels = std::uint64_t{1} << 28);

}  // namespace drover::worker
