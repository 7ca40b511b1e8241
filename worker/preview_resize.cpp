#include "worker/preview_resize.hpp"

#include <algorithm>
#include <cmath>

#include "worker/resample_weights.hpp"

namespace drover::worker {

namespace {

/// ImageOps.contain's target size for a square box.
std::pair<std::uint32_t, std::uint32_t> contained_size(std::uint32_t width,
                                                       std::uint32_t height,
                                                       std::uint32_t side) {
  const double ratio = static_cast<double>(width) / height;
  if (ratio > 1.0) {
    // Python's round: half to even, which nearbyint does by default.
    auto h = std::nearbyint(static_cast<double>(height) / width * side);
    return {side, static_cast<std::uint32_t>(h)};
  }
  if (ratio < 1.0) {
    auto w = std::nearbyint(static_cast<double>(width) / height * side);
    return {static_cast<std::uint32_t>(w), side};
  }
  return {side, side};
}

pixels8 resample_x(const pixels8& in, std::uint32_t width) {
  auto xs = make_weights(in.width, width, resample_filter::bilinear);
  pixels8 out{width, in.height, in.channels, {}};
  out.data.resize(std::size_t{width} * in.height * in.channels);
  const std::int64_t c = in.channels;
  for (std::uint32_t y = 0; y < in.height; ++y) {
    const std::uint8_t* row = in.data.data() + std::size_t{y} * in.width * c;
    std::uint8_t* dst = out.data.data() + std::size_t{y} * width * c;
    for (std::uint32_t x = 0; x < width; ++x) {
      const std::int32_t* k = &xs.weight[x * xs.ksize];
      const std::uint8_t* at = row + std::int64_t{xs.first[x]} * c;
      for (std::int64_t ch = 0; ch < c; ++ch) {
        dst[x * c + ch] = weighted_sum(at + ch, k, xs.count[x], c);
      }
    }
  }
  return out;
}

pixels8 resample_y(const pixels8& in, std::uint32_t height) {
  auto ys = make_weights(in.height, height, resample_filter::bilinear);
  pixels8 out{in.width, height, in.channels, {}};
  out.data.resize(std::size_t{in.width} * height * in.channels);
  const std::int64_t row_bytes = std::int64_t{in.width} * in.channels;
  for (std::uint32_t y = 0; y < height; ++y) {
    const std::int32_t* k = &ys.weight[y * ys.ksize];
    const std::uint8_t* at = in.data.data() + std::int64_t{ys.first[y]} * row_bytes;
    std::uint8_t* dst = out.data.data() + std::size_t{y} * row_bytes;
    for (std::int64_t i = 0; i < row_bytes; ++i) {
      dst[i] = weighted_sum(at + i, k, ys.count[y], row_bytes);
    }
  }
  return out;
}

}  // namespace

pixels8 contain_preview(const pixels8& image, std::uint32_t max_side) {
  if (image.width == 0 || image.height == 0 || max_side == 0) {
    return image;
  }
  auto [width, height] = contained_size(image.width, image.height, max_side);
  width = std::max<std::uint32_t>(width, 1);
  height = std::max<std::uint32_t>(height, 1);
  if (width == image.width && height == image.height) {
    return image;
  }
  pixels8 work = image;
  const bool rgba = work.channels == 4;
  if (rgba) {
    premultiply(work.data.data(), std::size_t{work.width} * work.height);
  }
  if (width != work.width) {
    work = resample_x(work, width);
  }
  if (height != work.height) {
    work = resample_y(work, height);
  }
  if (rgba) {
    unpremultiply(work.data.data(), std::size_t{work.width} * work.height);
  }
  return work;
}

}  // namespace drover::worker
