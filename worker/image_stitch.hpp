#pragma once

#include <cstdint>
#include <string>

#include "actors/result.hpp"
#include "worker/tensor.hpp"

namespace drover::worker {

/// The widgets of ComfyUI's ImageStitch.
struct stitch_request {
  std::string direction = "right";  ///< right, down, left or up
  bool match_image_size = true;
  std::int64_t spacing_width = 0;
  std::string spacing_color = "white";  ///< white, black, red, green or blue
};

/// ComfyUI's ImageStitch with both images given: the shorter batch repeats its
/// last image; with match_image_size image2 is resized (lanczos, through 8
/// bits) to image1's height (left/right) or width (up/down) keeping its
/// aspect ratio, truncated; without it the smaller image is padded centred
/// with the spacing colour (0 for red/green/blue); a missing channel is
/// filled with ones; an even spacing strip goes between them. Fails with
/// errc::invalid_input for an unknown direction or colour or a non-image
/// tensor, and errc::execution when the sides still differ (torch.cat's error).
actors::result<tensor_ptr> stitch_images(const tensor& image1, const tensor& image2,
                                         const stitch_request& request);

}  // namespace drover::worker
