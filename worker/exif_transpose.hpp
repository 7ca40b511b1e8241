#pragma once

#include <optional>
#include <string>

#include "worker/png_codec.hpp"

namespace drover::worker {

/// The Orientation (tag 0x0112) of the first image directory of `exif`, EXIF
/// bytes with or without the `Exif\0\0` marker, read with libexif. Gives 1 (as
/// stored) when there is no such entry, when its value is outside 1..8 or when
/// libexif cannot read the bytes: Pillow's ImageOps.exif_transpose leaves such
/// pictures as they are.
int exif_orientation(const std::string& exif);

/// The value of the Orientation entry of the first image directory of
/// `exif`, read as exif_orientation reads it, whatever it is (0 for an entry
/// of another type than SHORT or LONG); nothing when there is no such entry
/// or libexif cannot read the bytes.
std::optional<long> exif_orientation_entry(const std::string& exif);

/// `image` turned as Pillow's ImageOps.exif_transpose turns a picture whose
/// EXIF names `orientation`: 2 mirrors it left to right, 3 turns it half way,
/// 4 mirrors it top to bottom, 5 transposes it, 6 turns it a quarter clockwise,
/// 7 transverses it and 8 turns it a quarter anticlockwise. Any other value
/// gives `image` unchanged.
pixels8 exif_transpose(const pixels8& image, int orientation);

}  // namespace drover::worker
