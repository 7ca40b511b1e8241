#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "actors/result.hpp"

namespace drover::worker {

/// 8-bit pixels, row-major, `channels` interleaved (1 grey, 3 RGB, 4 RGBA).
struct pixels8 {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t channels = 3;
  std::vector<std::uint8_t> data;
};

/// A PNG text chunk (tEXt): keyword and Latin-1 text.
using png_text = std::pair<std::string, std::string>;

/// Encodes `image` as PNG with libpng. `compress_level` is zlib's 0..9 (ComfyUI
/// uses 4 for outputs and 1 for previews). Fails with errc::invalid_input for
/// an empty image or an unsupported channel count.
actors::result<std::string> encode_png(const pixels8& image,
                                       const std::vector<png_text>& text,
                                       int compress_level);

/// A decoded PNG: pixels (8 bits per channel, palette and grey expanded as
/// stored) and its text chunks.
struct decoded_png {
  pixels8 image;
  std::vector<png_text> text;
};

/// Decodes PNG bytes with libpng. Fails with errc::invalid_input for anything
/// that is not a well-formed PNG; never crashes on hostile input.
actors::result<decoded_png> decode_png(const std::string& bytes);

}  // namespace drover::worker
