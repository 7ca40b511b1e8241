#pragma once

#include <string>

#include "actors/result.hpp"
#include "worker/png_frames.hpp"

namespace drover::worker {

/// A still, non-interlaced PNG whose bytes end inside or after its image
/// data, read as Pillow reads it with ImageFile.LOAD_TRUNCATED_IMAGES, which
/// ComfyUI's LoadImage retries with: the whole rows that the image data at
/// hand inflates to, pixels as decode_png gives them, and each later row as
/// a row of zero samples decodes (palette entry 0, black, clear); the
/// orientation of the whole chunks before the cut. Fails with
/// errc::invalid_input when the bytes end before the first IDAT chunk's
/// header, when libpng finds an error before the last row, for an APNG and
/// (TODO(#3): as Pillow places partial passes) for an interlaced PNG.
actors::result<decoded_png_frames> decode_truncated_png(const std::string& bytes);

}  // namespace drover::worker
