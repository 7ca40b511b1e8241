#include "worker/truncated_png.hpp"

#include <algorithm>
#include <cstring>

#include <png.h>

#include "worker/png_chunks.hpp"
#include "worker/png_orientation.hpp"

namespace drover::worker {

namespace {

/// What libpng's progressive reader has given so far.
struct progress {
  pixels8 image;
  std::size_t row_bytes = 0;
  std::uint32_t rows = 0;
  bool started = false;
  bool interlaced = false;
  std::vector<std::uint8_t> blank;  ///< a row of zero samples, decoded

  /// Whether libpng has given every row; of an interlaced image, every row
  /// of the last pass, after which libpng counts its passes to seven.
  bool complete(png_structp png) const {
    return started &&
           (interlaced ? png_get_current_pass_number(png) == 7 : rows == image.height);
  }
};

/// The pixel that a zero sample decodes to with decode_png's expansion.
/// Call before png_read_update_info, which changes the colour type.
std::vector<std::uint8_t> zero_pixel(png_structp png, png_infop info) {
  int type = png_get_color_type(png, info);
  bool keyed = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  int channels = type == PNG_COLOR_TYPE_GRAY         ? 1 + keyed
                 : type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                 : type == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
                                                     : 3 + keyed;
  std::vector<std::uint8_t> px(static_cast<std::size_t>(channels), 0);
  png_bytep alphas = nullptr;
  int count = 0;
  png_color_16p key = nullptr;
  if (keyed) {
    png_get_tRNS(png, info, &alphas, &count, &key);
  }
  if (type == PNG_COLOR_TYPE_PALETTE) {
    png_colorp palette = nullptr;
    int entries = 0;
    if (png_get_PLTE(png, info, &palette, &entries) && entries > 0) {
      px[0] = palette[0].red, px[1] = palette[0].green, px[2] = palette[0].blue;
    }
    if (channels == 4) {
      px[3] = count > 0 && alphas != nullptr ? alphas[0] : 255;
    }
  } else if (keyed && (channels == 2 || channels == 4) && key != nullptr) {
    // A colour key: zero samples are clear where the key is zero.
    bool zero = type == PNG_COLOR_TYPE_GRAY
                    ? key->gray == 0
                    : key->red == 0 && key->green == 0 && key->blue == 0;
    px[channels - 1] = zero ? 0 : 255;
  }
  return px;
}

void on_info(png_structp png, png_infop info) {
  auto& p = *static_cast<progress*>(png_get_progressive_ptr(png));
  auto px = zero_pixel(png, info);
  if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE) {
    p.interlaced = true;
    png_set_interlace_handling(png);
  }
  // decode_png's transforms.
  png_set_expand(png);
  png_set_strip_16(png);
  png_set_packing(png);
  png_read_update_info(png, info);
  p.image.width = png_get_image_width(png, info);
  p.image.height = png_get_image_height(png, info);
  p.image.channels = png_get_channels(png, info);
  p.row_bytes = png_get_rowbytes(png, info);
  if (p.row_bytes != std::size_t{p.image.width} * p.image.channels) {
    png_error(png, "unexpected row size");
  }
  if (px.size() != p.image.channels) {
    png_error(png, "unexpected channels");
  }
  p.image.data.assign(p.row_bytes * p.image.height, 0);
  for (std::uint32_t x = 0; x < p.image.width; ++x) {
    p.blank.insert(p.blank.end(), px.begin(), px.end());
  }
  if (p.interlaced) {
    // Each pass fills in its pixels of rows that start blank.
    for (std::uint32_t y = 0; y < p.image.height; ++y) {
      std::memcpy(&p.image.data[std::size_t{y} * p.row_bytes], p.blank.data(),
                  p.row_bytes);
    }
  }
  p.started = true;
}

void on_row(png_structp png, png_bytep row, png_uint_32 row_num, int) {
  auto& p = *static_cast<progress*>(png_get_progressive_ptr(png));
  if (row != nullptr && row_num < p.image.height && p.interlaced) {
    png_progressive_combine_row(png, &p.image.data[std::size_t{row_num} * p.row_bytes],
                                row);
  } else if (row != nullptr && row_num < p.image.height) {
    std::memcpy(&p.image.data[std::size_t{row_num} * p.row_bytes], row, p.row_bytes);
    p.rows = std::max(p.rows, row_num + 1);
  }
}

/// libpng's read structures, freed when it goes.
struct reader {
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;

  reader() = default;
  reader(const reader&) = delete;
  reader& operator=(const reader&) = delete;
  ~reader() { png_destroy_read_struct(&png, &info, nullptr); }
};

/// Feeds the bytes to libpng; false when it failed before the last row.
bool run(png_structp png, png_infop info, progress& p, const std::string& bytes) {
  if (setjmp(png_jmpbuf(png))) {
    // A fault after the last row is in chunks that Pillow reads leniently.
    return p.complete(png);
  }
  png_set_user_limits(png, 1u << 15, 1u << 15);
  png_set_progressive_read_fn(png, &p, on_info, on_row, nullptr);
  png_process_data(png, info,
                   reinterpret_cast<png_bytep>(const_cast<char*>(bytes.data())),
                   bytes.size());
  return p.started;
}

}  // namespace

actors::result<decoded_png_frames> decode_truncated_png(const std::string& bytes) {
  bool whole = false;
  auto chunks = whole_png_chunks(bytes, &whole);
  for (const auto& c : chunks) {
    if (c.type == "acTL") {
      return actors::fail(actors::errc::invalid_input, "cut APNG file");
    }
  }

  progress p;
  reader r;
  if (r.png == nullptr || r.info == nullptr) {
    return actors::fail(actors::errc::internal, "libpng could not start");
  }
  if (!run(r.png, r.info, p, bytes)) {
    return actors::fail(actors::errc::invalid_input,
                        "PNG file cut or damaged before its image data");
  }
  if (p.interlaced && !p.complete(r.png)) {
    return actors::fail(actors::errc::invalid_input, "cut interlaced PNG file");
  }

  for (std::uint32_t y = p.interlaced ? p.image.height : p.rows; y < p.image.height;
       ++y) {
    std::memcpy(&p.image.data[std::size_t{y} * p.row_bytes], p.blank.data(), p.row_bytes);
  }
  decoded_png_frames out;
  DROVER_TRY(orientation, png_orientation(chunks));
  out.orientation = orientation;
  out.frames.push_back(std::move(p.image));
  return out;
}

bool retry_raises_type_error(const std::string& bytes) {
  progress p;
  reader r;
  if (r.png == nullptr || r.info == nullptr) {
    return false;
  }
  // Only how far the reader got matters here, not whether it read rows.
  static_cast<void>(run(r.png, r.info, p, bytes));
  return p.interlaced;
}

}  // namespace drover::worker
