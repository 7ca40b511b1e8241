#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace drover::worker {

/// An EXIF text entry of the first image directory: its tag (0x010F is Make,
/// 0x0110 Model) and its text.
using exif_text = std::pair<std::uint16_t, std::string>;

/// EXIF bytes holding `entries` as ASCII fields, laid out as Pillow's
/// `Image.Exif.tobytes()` lays out a fresh Exif: the `Exif\0\0` marker, a
/// big-endian TIFF header, one directory with the entries sorted by tag, then
/// their text (NUL-terminated, padded to an even length) where it does not fit
/// in the entry. Characters outside ASCII become `?`, one per code point of
/// the UTF-8 text, as Python's `encode("ascii", "replace")` does. No entries
/// give the empty directory that Pillow writes too.
std::string encode_exif(std::vector<exif_text> entries);

}  // namespace drover::worker
