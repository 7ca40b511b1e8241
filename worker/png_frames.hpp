#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "actors/result.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {

/// A PNG's pictures as Pillow's ImageSequence shows them, and its EXIF.
struct decoded_png_frames {
  std::vector<pixels8> frames;
  /// The eXIf chunk's TIFF bytes (no `Exif\0\0` marker); empty when none.
  std::string exif;
  /// The orientation ImageOps.exif_transpose applies, from the eXIf chunk,
  /// a raw EXIF profile or XMP text (png_orientation.hpp).
  int orientation = 1;
};

/// Decodes a PNG, or every frame of an APNG composited as Pillow composites
/// them, keeping at most `max_frames`. An APNG's default image that is not
/// part of the animation comes first, as Pillow counts it as frame 0. Each
/// frame is cut out of the file into a plain PNG (IHDR sized by its fcTL, the
/// palette and transparency chunks, its image data) and decoded with libpng,
/// which has no APNG API; then the previous frame's disposal (none,
/// background, previous) and the frame's blend (source, over: Pillow's paste
/// through the frame's alpha, which blends the alpha channel too) apply. A
/// palette APNG is composited as Pillow composites its indexes: background
/// disposal leaves index 0's colour and transparency, and blending over
/// copies the frame, transparent indexes too. Fails with
/// errc::invalid_input for a malformed PNG or APNG, text that
/// png_orientation refuses, or one whose kept frames would hold more than
/// `max_pixels` pixels together; never crashes on hostile input.
actors::result<decoded_png_frames> decode_png_frames(
    const std::string& bytes,
    std::size_t max_frames = std::numeric_limits<std::size_t>::max(),
    std::uint64_t max_pixels = std::uint64_t{1} << 28);

}  // namespace drover::worker
