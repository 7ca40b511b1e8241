#include "worker/exif_transpose.hpp"

#include <cstring>
#include <libexif/exif-data.h>
#include <memory>
#include <optional>

namespace drover::worker {

namespace {

struct exif_data_deleter {
  void operator()(ExifData* data) const { ::exif_data_unref(data); }
};

/// Where output pixel (x, y) of a `w`×`h` picture turned by `orientation`
/// takes its value from in the source, whose width is `sw` and height `sh`.
void source_of(int orientation, std::uint32_t x, std::uint32_t y, std::uint32_t sw,
               std::uint32_t sh, std::uint32_t* sx, std::uint32_t* sy) {
  switch (orientation) {
    case 2:
      *sx = sw - 1 - x, *sy = y;
      break;
    case 3:
      *sx = sw - 1 - x, *sy = sh - 1 - y;
      break;
    case 4:
      *sx = x, *sy = sh - 1 - y;
      break;
    case 5:
      *sx = y, *sy = x;
      break;
    case 6:
      *sx = y, *sy = sh - 1 - x;
      break;
    case 7:
      *sx = sw - 1 - y, *sy = sh - 1 - x;
      break;
    case 8:
      *sx = sw - 1 - y, *sy = x;
      break;
    default:
      *sx = x, *sy = y;
      break;
  }
}

}  // namespace

std::optional<long> exif_orientation_entry(const std::string& exif) {
  // libexif finds the TIFF header after the marker; a PNG's eXIf chunk has none.
  static const char marker[] = "Exif\0\0";
  std::string bytes = exif;
  if (bytes.compare(0, 6, std::string{marker, 6}) != 0) {
    bytes.insert(0, marker, 6);
  }
  std::unique_ptr<ExifData, exif_data_deleter> data{exif_data_new()};
  if (data == nullptr) {
    return std::nullopt;
  }
  // Reading must not invent entries that the file does not hold.
  exif_data_unset_option(data.get(), EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_load_data(data.get(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<unsigned int>(bytes.size()));
  ExifEntry* entry = exif_content_get_entry(data->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
  if (entry == nullptr || entry->components < 1 || entry->data == nullptr) {
    return std::nullopt;
  }
  ExifByteOrder order = exif_data_get_byte_order(data.get());
  if (entry->format == EXIF_FORMAT_SHORT && entry->size >= 2) {
    return exif_get_short(entry->data, order);
  }
  if (entry->format == EXIF_FORMAT_LONG && entry->size >= 4) {
    return static_cast<long>(exif_get_long(entry->data, order));
  }
  return 0;  // an entry of another type, which names no turn
}

int exif_orientation(const std::string& exif) {
  auto value = exif_orientation_entry(exif).value_or(1);
  return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
}

pixels8 exif_transpose(const pixels8& image, int orientation) {
  if (orientation < 2 || orientation > 8) {
    return image;
  }
  const bool swaps = orientation >= 5;
  pixels8 out;
  out.width = swaps ? image.height : image.width;
  out.height = swaps ? image.width : image.height;
  out.channels = image.channels;
  out.data.resize(image.data.size());
  const std::size_t c = image.channels;
  for (std::uint32_t y = 0; y < out.height; ++y) {
    for (std::uint32_t x = 0; x < out.width; ++x) {
      std::uint32_t sx = 0, sy = 0;
      source_of(orientation, x, y, image.width, image.height, &sx, &sy);
      std::memcpy(out.data.data() + (std::size_t{y} * out.width + x) * c,
                  image.data.data() + (std::size_t{sy} * image.width + sx) * c, c);
    }
  }
  return out;
}

}  // namespace drover::worker
