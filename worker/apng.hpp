#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/result.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {

/// Python's struct.error text for a 16-bit field out of range, which Pillow
/// raises for an animation frame's delay over 65535 ms.
inline constexpr const char* apng_delay_overflow_message =
    "'H' format requires 0 <= number <= 65535";

/// One frame of an animation and how long it shows, in milliseconds.
struct apng_frame {
  pixels8 image;
  std::uint32_t delay_ms = 0;
};

/// An animated PNG as Pillow writes ComfyUI's SaveAnimatedPNG: consecutive
/// identical frames merge (their delays add up); several frames give acTL
/// (looping forever), an fcTL per frame (full canvas, dispose none, blend
/// source, delay in 1/1000 s) and fdAT for the frames after the first; a single
/// frame gives a plain PNG. `comf` chunks (keyword, NUL, text) follow the image
/// data, as ComfyUI stores the prompt in animations. Each frame is compressed
/// with libpng at `compress_level`. All frames must share size and channels;
/// fails with errc::invalid_input otherwise or when there are none.
/// A frame that shows longer than 65535 ms after merging fails as Pillow's
/// struct.pack does, with errc::invalid_input and
/// `apng_delay_overflow_message` (SaveAnimatedPNG reports it as struct.error).
/// Unlike Pillow, frames are stored whole rather than cropped to what changed.
actors::result<std::string> encode_apng(const std::vector<apng_frame>& frames,
                                        const std::vector<png_text>& comf,
                                        int compress_level);

}  // namespace drover::worker
