#include "worker/stb_formats.hpp"

#include <memory>
#include <stb_image.h>

#include "worker/little_endian.hpp"

namespace drover::worker {

namespace {

/// How many channels Pillow gives a BMP: RGBA only for 32-bit pixels with bit
/// fields (in a V3 header or later) that name an alpha mask.
actors::result<int> bmp_channels(const std::string& b) {
  if (b.size() < 54) {
    return actors::fail(actors::errc::invalid_input, "truncated BMP header");
  }
  auto header = little_endian(b, 14, 4), bits = little_endian(b, 28, 2),
       compression = little_endian(b, 30, 4);
  // stb_image reads zeros past the end; Pillow finds the file truncated.
  // An OS/2 header (12 bytes) gives its size in 16-bit fields.
  bool os2 = header == 12;
  auto width = os2 ? static_cast<std::int32_t>(little_endian(b, 18, 2))
                   : static_cast<std::int32_t>(little_endian(b, 18, 4));
  auto height = os2 ? static_cast<std::int16_t>(little_endian(b, 20, 2))
                    : static_cast<std::int32_t>(little_endian(b, 22, 4));
  bits = os2 ? little_endian(b, 24, 2) : bits;
  compression = os2 ? 0 : compression;
  auto rows = static_cast<std::uint64_t>(height < 0 ? -std::int64_t{height} : height);
  auto stride = (std::uint64_t{bits} * static_cast<std::uint32_t>(width) + 31) / 32 * 4;
  if (compression == 1 || compression == 2) {
    return actors::fail(actors::errc::invalid_input,
                        "an RLE-compressed BMP is read by decode_bmp_rle");
  }
  if (width <= 0 || std::uint64_t{little_endian(b, 10, 4)} + stride * rows > b.size()) {
    return actors::fail(actors::errc::invalid_input, "truncated BMP file");
  }
  bool fields = compression == 3 || compression == 6;
  bool alpha =
      bits == 32 && fields && header >= 56 && b.size() >= 70 && little_endian(b, 66, 4);
  return alpha ? 4 : 3;
}

struct stb_free {
  void operator()(unsigned char* p) const { stbi_image_free(p); }
};

}  // namespace

bool looks_like_bmp(const std::string& bytes) {
  return bytes.compare(0, 2, "BM") == 0;
}

actors::result<pixels8> decode_stb_bmp(const std::string& bytes,
                                       std::uint64_t max_pixels) {
  DROVER_TRY(channels, bmp_channels(bytes));
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) {
    return actors::fail(actors::errc::invalid_input, "image file is too large");
  }
  auto data = reinterpret_cast<const stbi_uc*>(bytes.data());
  auto size = static_cast<int>(bytes.size());
  int w = 0, h = 0, n = 0;
  if (!stbi_info_from_memory(data, size, &w, &h, &n)) {
    return actors::fail(actors::errc::invalid_input, stbi_failure_reason());
  }
  if (std::uint64_t(w) * std::uint64_t(h) > max_pixels) {
    return actors::fail(actors::errc::invalid_input, "image is larger than allowed");
  }
  std::unique_ptr<unsigned char, stb_free> pixels{
      stbi_load_from_memory(data, size, &w, &h, &n, channels)};
  if (!pixels) {
    return actors::fail(actors::errc::invalid_input, stbi_failure_reason());
  }
  pixels8 p;
  p.width = static_cast<std::uint32_t>(w), p.height = static_cast<std::uint32_t>(h);
  p.channels = static_cast<std::uint32_t>(channels);
  p.data.assign(pixels.get(),
                pixels.get() + std::size_t{p.width} * p.height * p.channels);
  return p;
}

}  // namespace drover::worker
