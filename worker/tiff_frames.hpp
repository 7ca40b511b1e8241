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
/// each as Pillow 9.4 reads it and its convert("RGB") and alpha band give
/// it: grey (1 channel), grey with alpha (2), RGB (3) or RGB with alpha (4).
/// Reads the sample layouts that tiff_sample_mode.hpp lists, in strips or
/// tiles, contiguous or in separate planes, with any compression libtiff
/// reads; JPEG-compressed YCbCr through libjpeg's conversion to RGB,
/// uncompressed YCbCr as the RGBX Pillow takes it for; other YCbCr, palette,
/// bilevel and inverted 8-bit grey pages through libtiff's RGBA reader, as
/// RGB. Strips that libtiff cannot read, the bytes ending in them, are read
/// as ComfyUI's retry with LOAD_TRUNCATED_IMAGES reads them: the whole rows
/// of an uncompressed strip, nothing from a compressed one on, then zero
/// samples; mode "I" pages come scaled by 1/255 as ComfyUI's LoadImage
/// and LoadImageMask scale them; uncompressed 16-bit separate planes come as
/// Pillow garbles them, their bytes read as 8-bit samples. Fails with
/// errc::invalid_input for other damaged bytes (separate 16-bit planes that
/// run past the file among them), pages over `max_pixels` pixels together,
/// the layouts Pillow has no mode for or fails to read (uncompressed separate
/// planes other than RGB, RGBA, RGBX and CMYK), and those drover does not
/// match yet: CIE Lab, old-style JPEG of other than YCbCr samples and packed
/// grey in reversed fill order.
actors::result<std::vector<tiff_page>> decode_tiff_pages(
    const std::string& bytes,
    std::size_t max_frames = std::numeric_limits<std::size_t>::max(),
    std::uint64_t max_pixels = std::uint64_t{1} << 28);

}  // namespace drover::worker
