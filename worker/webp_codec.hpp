#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "actors/result.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {

/// How libwebp compresses each picture. `quality` is 0..100 (for lossless, the
/// effort spent); `method` is libwebp's 0 (fastest) .. 6 (slowest, smallest).
/// The defaults are those of Pillow's WebP writer.
struct webp_options {
  bool lossless = false;
  int quality = 80;
  int method = 4;
};

/// Encodes `image` as a still WebP with libwebp, as Pillow's `Image.save` does:
/// RGB without alpha, RGBA with it (alpha at full quality); grey becomes RGB
/// and grey with alpha RGBA. A non-empty `exif` (TIFF bytes, without the
/// `Exif\0\0` marker) is muxed in as an EXIF chunk. Fails with
/// errc::invalid_input for an empty or inconsistent image, options out of
/// range or a side over libwebp's 16383, and with errc::internal when libwebp
/// reports an error.
actors::result<std::string> encode_webp(const pixels8& image, const webp_options& options,
                                        const std::string& exif = {});

/// Encodes `frames` as an animated WebP with libwebp's animation encoder, as
/// Pillow's `save(save_all=True)` does: every frame shows `duration_ms`,
/// the animation loops forever on a transparent background, key frames
/// every 3..5 frames (9..17 lossless), and libwebp may crop or merge frames
/// that repeat what was shown. `exif` is stored as given (Pillow keeps the
/// `Exif\0\0` marker in animations). All frames must share size and channel
/// count; fails with errc::invalid_input otherwise, when there are none, or
/// as `encode_webp` does.
actors::result<std::string> encode_animated_webp(const std::vector<pixels8>& frames,
                                                 std::uint32_t duration_ms,
                                                 const webp_options& options,
                                                 const std::string& exif = {});

/// True when `bytes` start with a RIFF header of the WebP form and a VP8,
/// VP8L or VP8X chunk, as Pillow recognises them.
bool looks_like_webp(const std::string& bytes);

/// A decoded WebP as Pillow shows it: one full-canvas picture per frame, each
/// composited onto the previous as the file's disposal and blending ask, RGBA
/// (4 channels) when the file declares alpha and RGB (3) otherwise; how long
/// each frame shows; the EXIF chunk as stored (empty when none).
struct decoded_webp {
  std::vector<pixels8> frames;
  std::vector<std::uint32_t> durations_ms;
  std::string exif;
};

/// Decodes still or animated WebP bytes with libwebp's demuxer, keeping at
/// most `max_frames` frames. Fails with errc::invalid_input for anything that
/// is not a decodable WebP, one with no frames, or one whose kept frames would
/// hold more than `max_pixels` pixels together; never crashes on hostile input.
actors::result<decoded_webp> decode_webp(
    const std::string& bytes,
    std::size_t max_frames = std::numeric_limits<std::size_t>::max(),
    std::uint64_t max_pixels = std::uint64_t{1} << 28);

}  // namespace drover::worker
