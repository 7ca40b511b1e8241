#pragma once

#include <string_view>
#include <vector>

#include "actors/result.hpp"

namespace drover::worker {

/// One chunk of a PNG as the file holds it.
struct png_chunk {
  std::string_view type;
  std::string_view data;
};

/// The orientation (1..8) that Pillow 9.4's ImageOps.exif_transpose applies to
/// a PNG of `chunks`, read as PngImageFile.getexif reads it: from the EXIF of
/// the last eXIf chunk or tEXt chunk keyed "exif"; else from the hexadecimal
/// EXIF of the last tEXt or zTXt chunk keyed "Raw profile type exif" (the
/// lines after its third); then, when that EXIF has no Orientation entry,
/// from the first `tiff:Orientation="N` or `tiff:Orientation>N` of the last
/// text chunk keyed "XML:com.adobe.xmp". Text chunks count as Pillow counts
/// them: a zTXt that does not inflate is empty text, an iTXt that does not
/// inflate or is not UTF-8 is left out. Fails with errc::invalid_input where
/// Pillow raises: a raw profile that is not hexadecimal, compressed text that
/// inflates past 1 MiB, a zTXt of another compression method than zlib's.
/// TODO(#3): EXIF bytes that are no TIFF directory, which Pillow refuses,
/// are read as naming no orientation.
actors::result<int> png_orientation(const std::vector<png_chunk>& chunks);

}  // namespace drover::worker
