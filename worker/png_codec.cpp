#include "worker/png_codec.hpp"

#include <cstring>

#include <png.h>

namespace drover::worker {

namespace {

struct write_state {
  std::string out;
};

void write_bytes(png_structp png, png_bytep data, png_size_t length) {
  auto* state = static_cast<write_state*>(png_get_io_ptr(png));
  state->out.append(reinterpret_cast<const char*>(data), length);
}

void flush_nothing(png_structp) {}

struct read_state {
  const std::string* in;
  std::size_t offset = 0;
};

void read_bytes(png_structp png, png_bytep data, png_size_t length) {
  auto* state = static_cast<read_state*>(png_get_io_ptr(png));
  if (state->offset + length > state->in->size()) {
    png_error(png, "truncated PNG");
  }
  std::memcpy(data, state->in->data() + state->offset, length);
  state->offset += length;
}

int color_type_for(std::uint32_t channels) {
  switch (channels) {
    case 1:
      return PNG_COLOR_TYPE_GRAY;
    case 2:
      return PNG_COLOR_TYPE_GRAY_ALPHA;
    case 3:
      return PNG_COLOR_TYPE_RGB;
    case 4:
      return PNG_COLOR_TYPE_RGBA;
    default:
      return -1;
  }
}

struct write_job {
  write_state* state;
  std::uint32_t width;
  std::uint32_t height;
  int color_type;
  int compress_level;
  std::vector<png_text_struct>* chunks;
  std::vector<png_bytep>* rows;
};

// libpng reports errors by longjmp. The two functions below hold nothing but
// libpng calls between setjmp and their return, so a jump skips no destructor
// and clobbers no live local.

bool run_write(png_structp png, png_infop info, const write_job& job) {
  if (setjmp(png_jmpbuf(png))) {
    return false;
  }
  png_set_write_fn(png, job.state, write_bytes, flush_nothing);
  png_set_compression_level(png, job.compress_level);
  png_set_IHDR(png, info, job.width, job.height, 8, job.color_type, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!job.chunks->empty()) {
    png_set_text(png, info, job.chunks->data(), static_cast<int>(job.chunks->size()));
  }
  png_set_rows(png, info, job.rows->data());
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  return true;
}

bool run_read(png_structp png, png_infop info, read_state* state) {
  if (setjmp(png_jmpbuf(png))) {
    return false;
  }
  png_set_read_fn(png, state, read_bytes);
  png_set_user_limits(png, 1u << 15, 1u << 15);
  png_read_png(png, info,
               PNG_TRANSFORM_STRIP_16 | PNG_TRANSFORM_PACKING | PNG_TRANSFORM_EXPAND,
               nullptr);
  return true;
}

}  // namespace

actors::result<std::string> encode_png(const pixels8& image,
                                       const std::vector<png_text>& text,
                                       int compress_level) {
  const int color_type = color_type_for(image.channels);
  if (image.width == 0 || image.height == 0 || color_type < 0 ||
      image.data.size() != std::size_t{image.width} * image.height * image.channels) {
    return actors::fail(actors::errc::invalid_input,
                        "cannot encode an image of that shape");
  }

  write_state state;
  std::vector<png_bytep> rows(image.height);
  for (std::uint32_t y = 0; y < image.height; ++y) {
    rows[y] = const_cast<png_bytep>(image.data.data() +
                                    std::size_t{y} * image.width * image.channels);
  }
  std::vector<png_text_struct> chunks(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    chunks[i] = png_text_struct{};
    chunks[i].compression = PNG_TEXT_COMPRESSION_NONE;
    chunks[i].key = const_cast<char*>(text[i].first.c_str());
    chunks[i].text = const_cast<char*>(text[i].second.c_str());
    chunks[i].text_length = text[i].second.size();
  }

  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (png == nullptr || info == nullptr) {
    png_destroy_write_struct(&png, &info);
    return actors::fail(actors::errc::internal, "libpng could not start");
  }
  write_job job{&state,         image.width, image.height, color_type,
                compress_level, &chunks,     &rows};
  bool written = run_write(png, info, job);
  png_destroy_write_struct(&png, &info);
  if (!written) {
    return actors::fail(actors::errc::internal, "libpng failed while encoding");
  }
  return std::move(state.out);
}

actors::result<decoded_png> decode_png(const std::string& bytes) {
  if (bytes.size() < 8 ||
      png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8)) {
    return actors::fail(actors::errc::invalid_input, "not a PNG file");
  }
  read_state state{&bytes};
  decoded_png out;

  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (png == nullptr || info == nullptr) {
    png_destroy_read_struct(&png, &info, nullptr);
    return actors::fail(actors::errc::internal, "libpng could not start");
  }
  if (!run_read(png, info, &state)) {
    png_destroy_read_struct(&png, &info, nullptr);
    return actors::fail(actors::errc::invalid_input, "malformed PNG file");
  }

  out.image.width = png_get_image_width(png, info);
  out.image.height = png_get_image_height(png, info);
  out.image.channels = png_get_channels(png, info);
  auto row_bytes = png_get_rowbytes(png, info);
  auto** rows = png_get_rows(png, info);
  out.image.data.resize(row_bytes * out.image.height);
  for (std::uint32_t y = 0; y < out.image.height; ++y) {
    std::memcpy(out.image.data.data() + y * row_bytes, rows[y], row_bytes);
  }
  png_textp chunks = nullptr;
  int count = 0;
  png_get_text(png, info, &chunks, &count);
  for (int i = 0; i < count; ++i) {
    out.text.emplace_back(chunks[i].key,
                          std::string{chunks[i].text, chunks[i].text_length});
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return out;
}

}  // namespace drover::worker
