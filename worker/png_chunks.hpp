#pragma once

#include <string_view>
#include <vector>

namespace drover::worker {

/// One chunk of a PNG as the file holds it.
struct png_chunk {
  std::string_view type;
  std::string_view data;
};

/// The chunks of PNG `bytes` (signature included) that the bytes hold whole,
/// with their CRC, up to and including IEND; views into `bytes`. The CRCs
/// are not checked. `reached_end`, when given, tells whether IEND was among
/// them.
std::vector<png_chunk> whole_png_chunks(std::string_view bytes,
                                        bool* reached_end = nullptr);

}  // namespace drover::worker
