#include "worker/jpeg_codec.hpp"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>

namespace drover::worker {

namespace {

/// libjpeg's error manager, extended with where to jump instead of exit().
struct jump_error {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_jpeg_error(j_common_ptr info) {
  auto* error = reinterpret_cast<jump_error*>(info->err);
  (*info->err->format_message)(info, error->message);
  std::longjmp(error->jump, 1);
}

void on_jpeg_message(j_common_ptr) {}  // warnings are not errors here

/// Rows of RGB or grey as libjpeg reads them: RGBA's alpha is dropped.
std::vector<std::uint8_t> jpeg_rows(const pixels8& image) {
  if (image.channels != 4) {
    return image.data;
  }
  std::vector<std::uint8_t> rgb(std::size_t{image.width} * image.height * 3);
  for (std::size_t i = 0, n = std::size_t{image.width} * image.height; i < n; ++i) {
    rgb[i * 3] = image.data[i * 4];
    rgb[i * 3 + 1] = image.data[i * 4 + 1];
    rgb[i * 3 + 2] = image.data[i * 4 + 2];
  }
  return rgb;
}

/// The libjpeg calls, kept free of C++ objects with destructors: a longjmp
/// out of them skips no destructor. Returns false with `error->message` set.
bool compress(const std::uint8_t* rows, std::uint32_t width, std::uint32_t height,
              int components, int quality, jump_error* error, unsigned char** out,
              unsigned long* out_size) {
  jpeg_compress_struct info;
  info.err = jpeg_std_error(&error->base);
  error->base.error_exit = on_jpeg_error;
  error->base.output_message = on_jpeg_message;
  if (setjmp(error->jump) != 0) {
    jpeg_destroy_compress(&info);
    return false;
  }
  jpeg_create_compress(&info);
  jpeg_mem_dest(&info, out, out_size);
  info.image_width = width;
  info.image_height = height;
  info.input_components = components;
  info.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  jpeg_start_compress(&info, TRUE);
  const std::size_t stride = std::size_t{width} * static_cast<std::size_t>(components);
  while (info.next_scanline < info.image_height) {
    auto* row = const_cast<JSAMPLE*>(rows + info.next_scanline * stride);
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  return true;
}

/// The decoding counterpart of `compress`, with the same care: `out` is
/// sized by the caller's callback only after the header was read.
bool decompress(const std::string* bytes, std::uint64_t max_pixels, jump_error* error,
                pixels8* out, std::string* exif) {
  jpeg_decompress_struct info;
  info.err = jpeg_std_error(&error->base);
  error->base.error_exit = on_jpeg_error;
  error->base.output_message = on_jpeg_message;
  if (setjmp(error->jump) != 0) {
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes->data()),
               static_cast<unsigned long>(bytes->size()));
  jpeg_save_markers(&info, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&info, TRUE);
  // As Pillow, the first APP1 segment that starts with "Exif\0".
  for (auto* m = info.marker_list; m != nullptr; m = m->next) {
    if (m->marker == JPEG_APP0 + 1 && m->data_length >= 5 &&
        std::memcmp(m->data, "Exif\0", 5) == 0) {
      exif->assign(reinterpret_cast<const char*>(m->data), m->data_length);
      break;
    }
  }
  info.out_color_space = info.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&info);
  if (std::uint64_t{info.output_width} * info.output_height > max_pixels ||
      (info.output_components != 1 && info.output_components != 3)) {
    std::snprintf(error->message, sizeof error->message,
                  "a %ux%u JPEG with %d components is not accepted", info.output_width,
                  info.output_height, info.output_components);
    jpeg_destroy_decompress(&info);
    return false;
  }
  out->width = info.output_width;
  out->height = info.output_height;
  out->channels = static_cast<std::uint32_t>(info.output_components);
  out->data.resize(std::size_t{out->width} * out->height * out->channels);
  const std::size_t stride = std::size_t{out->width} * out->channels;
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = out->data.data() + info.output_scanline * stride;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return true;
}

}  // namespace

bool looks_like_jpeg(const std::string& bytes) {
  return bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xff &&
         static_cast<unsigned char>(bytes[1]) == 0xd8 &&
         static_cast<unsigned char>(bytes[2]) == 0xff;
}

actors::result<decoded_jpeg> read_jpeg(const std::string& bytes,
                                       std::uint64_t max_pixels) {
  if (!looks_like_jpeg(bytes)) {
    return actors::fail(actors::errc::invalid_input, "not a JPEG");
  }
  jump_error error{};
  decoded_jpeg out;
  if (!decompress(&bytes, max_pixels, &error, &out.image, &out.exif)) {
    return actors::fail(actors::errc::invalid_input,
                        std::string{"undecodable JPEG: "} + error.message);
  }
  return out;
}

actors::result<pixels8> decode_jpeg(const std::string& bytes, std::uint64_t max_pixels) {
  DROVER_TRY(decoded, read_jpeg(bytes, max_pixels));
  return std::move(decoded.image);
}

actors::result<std::string> encode_jpeg(const pixels8& image, int quality) {
  if (image.width == 0 || image.height == 0 ||
      image.data.size() != std::size_t{image.width} * image.height * image.channels) {
    return actors::fail(actors::errc::invalid_input, "an empty or inconsistent image");
  }
  if (image.channels != 1 && image.channels != 3 && image.channels != 4) {
    return actors::fail(
        actors::errc::invalid_input,
        "JPEG takes 1, 3 or 4 channels, not " + std::to_string(image.channels));
  }
  if (quality < 1 || quality > 100) {
    return actors::fail(actors::errc::invalid_input,
                        "JPEG quality must be 1..100, not " + std::to_string(quality));
  }
  auto rows = jpeg_rows(image);
  const int components = image.channels == 1 ? 1 : 3;
  jump_error error{};
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  bool done = compress(rows.data(), image.width, image.height, components, quality,
                       &error, &buffer, &size);
  std::string encoded;
  if (done) {
    encoded.assign(reinterpret_cast<const char*>(buffer), size);
  }
  std::free(buffer);  // jpeg_mem_dest's buffer is malloc'd and ours to free
  if (!done) {
    return actors::fail(actors::errc::internal,
                        std::string{"libjpeg failed: "} + error.message);
  }
  return encoded;
}

}  // namespace drover::worker
