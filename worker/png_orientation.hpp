#pragma once

#include <vector>

#include "actors/result.hpp"
#include "worker/png_chunks.hpp"

namespace drover::worker {

/// The orientation (1..8) that ComfyUI's LoadImage has Pillow 9.4's
/// ImageOps.exif_transpose apply to a PNG of `chunks`, read as
/// PngImageFile.getexif reads it: from the EXIF of the last eXIf chunk or
/// tEXt chunk keyed "exif"; else from the hexadecimal EXIF of the last tEXt
/// or zTXt chunk keyed "Raw profile type exif" (the lines after its third);
/// then, when that EXIF has no Orientation entry, from the first
/// `tiff:Orientation="N` or `tiff:Orientation>N` of the last text chunk
/// keyed "XML:com.adobe.xmp". Where Pillow raises, ComfyUI's retry with
/// LOAD_TRUNCATED_IMAGES decides: compressed text that does not inflate or
/// inflates past 1 MiB is empty in a zTXt and left out in an iTXt, as is
/// an iTXt that is not UTF-8; a raw profile that is not hexadecimal names
/// no orientation, and XMP is not read. Fails with errc::invalid_input for a
/// zTXt of another compression method than zlib's, which Pillow refuses.
/// TODO(#3): EXIF bytes that are no TIFF directory, which Pillow refuses,
/// are read as naming no orientation.
actors::result<int> png_orientation(const std::vector<png_chunk>& chunks);

}  // namespace drover::worker
