#pragma once

#include <cstdint>
#include <string>

#include "actors/result.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {

/// Encodes `image` as a baseline JPEG with libjpeg at `quality` (1..100;
/// ComfyUI's previews use 95). Grey stays grey; RGBA loses its alpha, which
/// JPEG cannot carry. Fails with errc::invalid_input for an empty image, an
/// unsupported channel count or a quality out of range, and with
/// errc::internal when libjpeg reports an error; never exits the process.
actors::result<std::string> encode_jpeg(const pixels8& image, int quality);

/// True when `bytes` start with JPEG's start-of-image marker.
bool looks_like_jpeg(const std::string& bytes);

/// Decodes JPEG bytes with libjpeg to grey (1 channel) or RGB (3; CMYK and
/// YCCK are converted by libjpeg where it can). Bytes that end inside the
/// scan data are ended with an end-of-image marker by libjpeg's memory
/// source, as Pillow ends them with ImageFile.LOAD_TRUNCATED_IMAGES, which
/// ComfyUI's LoadImage retries with. Fails with errc::invalid_input for
/// anything that is not a decodable JPEG or whose pixels would exceed
/// `max_pixels`; never crashes on hostile input.
actors::result<pixels8> decode_jpeg(const std::string& bytes,
                                    std::uint64_t max_pixels = std::uint64_t{1} << 28);

/// A decoded JPEG and its EXIF: the first APP1 segment that starts with the
/// `Exif\0\0` marker, marker included, as Pillow keeps it (empty when none).
struct decoded_jpeg {
  pixels8 image;
  std::string exif;
};

/// Decodes as `decode_jpeg` does and keeps the EXIF segment too.
actors::result<decoded_jpeg> read_jpeg(const std::string& bytes,
                                       std::uint64_t max_pixels = std::uint64_t{1} << 28);

}  // namespace drover::worker
