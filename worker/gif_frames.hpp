#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "actors/result.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {

/// True when `bytes` start with the GIF87a or GIF89a signature, as Pillow
/// recognises a GIF.
bool looks_like_gif(const std::string& bytes);

/// Decodes a GIF with giflib, keeping at most `max_frames` frames, each the
/// full canvas as Pillow's ImageSequence shows it:
/// - the first frame in Pillow's "P" mode is given as RGBA (alpha 0 on its
///   transparent index) when its control block names a transparent index and
///   RGB otherwise; in "L" mode (no palette, or one that is the grey ramp
///   0..n) as grey, one channel;
/// - later frames are painted onto the canvas, which turns RGBA after a
///   transparent first frame and RGB otherwise, through their own
///   transparency, after the previous frame's disposal (none, background,
///   previous) as Pillow performs it, including its quirks: a disposal that a
///   frame leaves unspecified repeats the last one given, and background
///   disposal uses the transparent index when there is one;
/// - a frame with its own colour table after grey frames is painted, as in
///   Pillow, onto a blank "P" canvas whose palette is the grey ramp (its
///   table unused), RGBA when the first frame named a transparent index.
/// A later frame that overflows the canvas is cut to it, as Pillow paints it.
/// A grey frame (no colour table of its own, or the grey ramp) with a
/// transparent index after colour frames fails, as Pillow 9.4 fails on it.
/// Fails with errc::invalid_input for bytes that are not a complete GIF, one
/// with no frames, or one whose kept frames would hold more than `max_pixels`
/// pixels together; never crashes on hostile input.
actors::result<std::vector<pixels8>> decode_gif_frames(
    const std::string& bytes,
    std::size_t max_frames = std::numeric_limits<std::size_t>::max(),
    std::uint64_t max_pixels = std::uint64_t{1} << 28);

}  // namespace drover::worker
