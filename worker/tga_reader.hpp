#pragma once

#include <cstdint>
#include <string>

#include "actors/result.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {

/// True when `bytes` hold a TGA header that Pillow's reader accepts: a colour
/// map type of 0 or 1, a known image type, a non-zero size and a pixel depth
/// of 1, 8, 16, 24 or 32. TGA has no signature, so only try it last.
bool looks_like_tga(const std::string& bytes);

/// Decodes a TGA as Pillow 9.4 reads it and convert("RGB") and the alpha band
/// give it to ComfyUI:
/// - true colour (type 2, or 10 run-length) of 16 bits as RGB, five bits a
///   channel stretched by v * 255 / 31 rounded down, the attribute bit
///   ignored; of 24 bits as RGB; of 32 bits as RGBA;
/// - grey (type 3 or 11) of 1 bit (uncompressed only) as black and white, of
///   8 bits as grey, of 16 bits as grey and alpha;
/// - palette indexes (type 1 or 9) of 8 bits through the colour map.
/// Pillow reads a colour map of 16 or 24 bits (one of 32 it cannot), after as
/// many black entries as its first index says, and applies it to grey pixels
/// too; an index past the map reads as the grey of its value, and a palette
/// picture without a map is grey. It skips no other map. Rows run bottom-up
/// unless the descriptor says top-down, and right to left when it says so.
/// Run-length data is read as Pillow reads it: a raw packet may run on into
/// the next rows, a repeat packet may not pass its row's end, and a packet
/// must be whole even past the last pixel. Fails with errc::invalid_input
/// for a header that is not a TGA, a type and depth that Pillow cannot read,
/// a colour map beside true-colour or 1-bit pixels or of 32 bits, pixel data
/// cut short, a repeat packet past its row, and more than `max_pixels`
/// pixels.
actors::result<pixels8> decode_tga(const std::string& bytes,
                                   std::uint64_t max_pixels = std::uint64_t{1} << 28);

/// As decode_tga, with Pillow's ImageFile.LOAD_TRUNCATED_IMAGES, which
/// ComfyUI's LoadImage retries with: pixel data cut short, or run-length
/// data with a repeat packet past its row, gives the whole rows that the
/// file holds (that whole packets before the cut or error complete), and
/// each later row as zero samples do (black, clear). Fails as decode_tga
/// does otherwise, and for uncompressed 8-bit palette or grey pixels cut
/// short, which Pillow maps into memory from the file.
actors::result<pixels8> decode_truncated_tga(const std::string& bytes,
                                             std::uint64_t max_pixels = std::uint64_t{1}
                                                                        << 28);

}  // namespace drover::worker
