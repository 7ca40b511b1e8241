#pragma once

#include <cstdint>
#include <string>

#include "actors/result.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {

/// True when `bytes` start with a Netpbm magic "P1" .. "P6".
bool looks_like_pnm(const std::string& bytes);

/// Decodes a PBM, PGM or PPM picture, plain (ASCII, P1..P3) or binary
/// (P4..P6), into what ComfyUI's LoadImage makes of Pillow 9.4's picture:
/// - a bitmap (P1, P4) as grey, one channel, black (0) or white (255);
/// - a greymap (P2, P5) of maxval up to 255 as grey, each sample stretched
///   to 0..255 with round(v / maxval * 255), halves to even, as Pillow does;
/// - a greymap of maxval over 255, which Pillow opens in mode "I" stretched
///   to 0..65535, as grey after ComfyUI's `point(i * (1 / 255))`, which
///   truncates, and convert("RGB"), which clips to 255;
/// - a pixmap (P3, P6) as RGB, each sample stretched to 0..255 whatever the
///   maxval. A binary sample above maxval gives 255, as in Pillow.
/// A plain file that ends inside a sample has that sample fill every one
/// left, as Pillow's reader, which stitches the cut token to each empty read
/// after, gives it.
/// Fails with errc::invalid_input for a header that Pillow refuses (a magic
/// not followed by whitespace, a token over 10 characters or not a decimal
/// number, a zero size, a maxval outside 1..65535), a plain sample that is
/// not a number or exceeds maxval, a plain bitmap byte other than '0', '1',
/// whitespace or a comment, too few samples, and a picture of more than
/// `max_pixels` pixels. Signs and digit separators, which Python's int()
/// would take, are refused too.
/// TODO(#3): a plain file of fewer bytes than samples is refused before
/// memory is reserved for it, though Pillow fills it when it ends inside a
/// sample.
actors::result<pixels8> decode_netpbm(const std::string& bytes,
                                      std::uint64_t max_pixels = std::uint64_t{1} << 28);

/// As decode_netpbm, with Pillow's ImageFile.LOAD_TRUNCATED_IMAGES, which
/// ComfyUI's LoadImage retries with: a binary bitmap, pixmap of maxval 255
/// or greymap of maxval 65535 cut short gives the whole rows it holds, and
/// each later row as zero samples do, black. Fails as decode_netpbm does
/// otherwise, as Pillow does for the other maxvals ("not enough image data")
/// and for a greymap of maxval 255, which it maps into memory from the file.
actors::result<pixels8> decode_truncated_netpbm(
    const std::string& bytes, std::uint64_t max_pixels = std::uint64_t{1} << 28);

}  // namespace drover::worker
