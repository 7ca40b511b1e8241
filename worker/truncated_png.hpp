#pragma once

#include <string>

#include "actors/result.hpp"
#include "worker/png_frames.hpp"

namespace drover::worker {

/// A still PNG whose bytes end inside or after its image
/// data, read as Pillow reads it with ImageFile.LOAD_TRUNCATED_IMAGES, which
/// ComfyUI's LoadImage retries with: the whole rows that the image data at
/// hand inflates to (an interlaced one's rows must all be there), pixels as
/// decode_png gives them, and each later row as
/// a row of zero samples decodes (palette entry 0, black, clear); the
/// orientation of the whole chunks before the cut. Fails with
/// errc::invalid_input when the bytes end before the first IDAT chunk's
/// header, when libpng finds an error before the last row, for an APNG and
/// for an interlaced PNG without all its rows; one with all its rows but cut
/// or damaged after them reads whole.
/// TODO(#3): a cut APNG. Pillow 9.4's retry reads some (all four frames of
/// anim.png cut at 85% of its bytes) and fails on others with OSError
/// ("Truncated File Read"), where drover fails with ValueError.
actors::result<decoded_png_frames> decode_truncated_png(const std::string& bytes);

/// True for an interlaced PNG whose bytes reach the first IDAT chunk's
/// header, so that Pillow 9.4 opens it: when its first load fails, ComfyUI's
/// retry raises TypeError ("function takes at most 3 arguments (4 given)"),
/// as Pillow adds the interlace flag to the decoder's arguments at each load.
bool retry_raises_type_error(const std::string& bytes);

}  // namespace drover::worker
