#include "gateway/mask_image.hpp"

#include <cstdint>
#include <vector>

#include "worker/png_codec.hpp"

namespace drover::gateway {

namespace {

/// The alpha of pixel `i`, 255 for images without an alpha channel.
std::uint8_t alpha_at(const worker::pixels8& image, std::size_t i) {
  switch (image.channels) {
    case 2:
      return image.data[i * 2 + 1];
    case 4:
      return image.data[i * 4 + 3];
    default:
      return 255;
  }
}

/// Pixel `i` as RGB, grey spread over the three channels.
void rgb_at(const worker::pixels8& image, std::size_t i, std::uint8_t* out) {
  if (image.channels <= 2) {
    out[0] = out[1] = out[2] = image.data[i * image.channels];
    return;
  }
  for (int c = 0; c < 3; ++c) {
    out[c] = image.data[i * image.channels + c];
  }
}

}  // namespace

actors::result<std::string> apply_mask(const std::string& original_png,
                                       const std::string& mask_png) {
  DROVER_TRY(original, worker::decode_png(original_png));
  DROVER_TRY(mask, worker::decode_png(mask_png));
  const auto& image = original.image;
  if (image.width != mask.image.width || image.height != mask.image.height) {
    return actors::fail(actors::errc::invalid_input,
                        "mask size differs from the original image");
  }

  const std::size_t pixels = std::size_t{image.width} * image.height;
  if (image.channels == 0 || image.channels > 4 || mask.image.channels > 4 ||
      image.data.size() < pixels * image.channels ||
      mask.image.data.size() < pixels * mask.image.channels) {
    return actors::fail(actors::errc::invalid_input, "unexpected PNG pixel layout");
  }

  worker::pixels8 out;
  out.width = image.width;
  out.height = image.height;
  out.channels = 4;
  out.data.resize(pixels * 4);
  for (std::size_t i = 0; i < pixels; ++i) {
    rgb_at(image, i, &out.data[i * 4]);
    out.data[i * 4 + 3] = alpha_at(mask.image, i);
  }
  // ComfyUI saves the composed mask with compress_level=4.
  return worker::encode_png(out, original.text, 4);
}

}  // namespace drover::gateway
