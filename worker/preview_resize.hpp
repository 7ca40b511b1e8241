#pragma once

// The size ComfyUI gives a progress preview: Pillow's ImageOps.contain with
// bilinear resampling into the preview square (server.py send_image).

#include <cstdint>

#include "worker/png_codec.hpp"

namespace drover::worker {

/// `image` resized to the largest size with its aspect ratio that fits in
/// `max_side` x `max_side`, larger or smaller, as Pillow 9's
/// `ImageOps.contain(image, (max_side, max_side), BILINEAR)` computes it:
/// the other side rounded half to even, then a horizontal and a vertical
/// bilinear pass with 8 bits between them, each skipped when its size does
/// not change. Four channels are resampled premultiplied by alpha, as
/// Pillow's RGBA resize. `max_side` > 0; an empty image comes back as it is.
pixels8 contain_preview(const pixels8& image, std::uint32_t max_side);

}  // namespace drover::worker
