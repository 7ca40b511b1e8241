#include "worker/png_orientation.hpp"

#include <string>
#include <zlib.h>

#include <doctest/doctest.h>

namespace drover::worker {
namespace {

std::string deflated(const std::string& text) {
  uLongf size = compressBound(static_cast<uLong>(text.size()));
  std::string out(size, '\0');
  compress(reinterpret_cast<Bytef*>(out.data()), &size,
           reinterpret_cast<const Bytef*>(text.data()), static_cast<uLong>(text.size()));
  out.resize(size);
  return out;
}

std::string xmp(char digit) {
  return std::string{"<rdf:Description tiff:Orientation=\""} + digit + "\"/>";
}

/// The orientation of chunks given as (type, data) strings.
actors::result<int> orientation_of(
    const std::vector<std::pair<std::string, std::string>>& chunks) {
  std::vector<png_chunk> views;
  for (const auto& [type, data] : chunks) {
    views.push_back({type, data});
  }
  return png_orientation(views);
}

TEST_CASE("a PNG without EXIF or XMP text is left as stored") {
  CHECK(orientation_of({}).value() == 1);
  CHECK(orientation_of({{"tEXt", std::string{"Comment\0tiff:Orientation=\"6\"", 29}}})
            .value() == 1);
}

TEST_CASE("an XMP orientation outside 1..8 or without a digit turns nothing") {
  auto key = std::string{"XML:com.adobe.xmp\0", 18};
  CHECK(orientation_of({{"tEXt", key + xmp('9')}}).value() == 1);
  CHECK(orientation_of({{"tEXt", key + "<tiff:Orientation> 6"}}).value() == 1);
  CHECK(
      orientation_of({{"tEXt", key + "tiff:Orientation=6 tiff:Orientation>7"}}).value() ==
      7);
}

TEST_CASE("an iTXt that is not UTF-8 or does not inflate is left out, as Pillow does") {
  auto head = std::string{"XML:com.adobe.xmp\0\0\0\0\0", 22};
  CHECK(orientation_of({{"iTXt", head + xmp('6')}}).value() == 6);
  CHECK(orientation_of({{"iTXt", head + xmp('6') + "\xff"}}).value() == 1);
  auto zipped = std::string{"XML:com.adobe.xmp\0\1\0\0\0", 22};
  CHECK(orientation_of({{"iTXt", zipped + deflated(xmp('8'))}}).value() == 8);
  CHECK(orientation_of({{"iTXt", zipped + "not zlib"}}).value() == 1);
}

TEST_CASE("text Pillow raises on is read as ComfyUI's truncated-image retry reads it") {
  auto raw = std::string{"Raw profile type exif\0", 22};
  auto key = std::string{"XML:com.adobe.xmp\0", 18};
  // Not hexadecimal: no orientation, and the XMP is not read either.
  CHECK(orientation_of({{"tEXt", raw + "\nexif\n 2\n4d4g\n"}, {"tEXt", key + xmp('6')}})
            .value() == 1);
  // Inflating past 1 MiB: empty text.
  auto bomb = deflated(xmp('6') + std::string(3 << 20, ' '));
  CHECK(orientation_of({{"zTXt", key + std::string{"\0", 1} + bomb}}).value() == 1);
  CHECK(orientation_of({{"zTXt", key + std::string{"\0", 1} + deflated(xmp('6'))}})
            .value() == 6);

  auto method = orientation_of({{"zTXt", std::string{"Comment\0\1xx", 11}}});
  REQUIRE_FALSE(method.has_value());
  CHECK(method.error().message.find("compression method") != std::string::npos);
}

TEST_CASE("truncated or hostile text chunks never crash the reader") {
  for (const char* type : {"tEXt", "zTXt", "iTXt"}) {
    for (const std::string& data :
         {std::string{}, std::string{"\0", 1}, std::string{"k\0", 2},
          std::string{"k\0\1", 3}, std::string{"k\0\1\0", 4}, std::string{"k\0\1\0\0", 5},
          std::string{"XML:com.adobe.xmp\0\0\0\0\0tiff:Orientation", 38},
          std::string{"Raw profile type exif\0\n\n\n4d", 27}}) {
      CAPTURE(type);
      auto result = orientation_of({{type, data}});
      CHECK((!result.has_value() || result.value() == 1));
    }
  }
}

}  // namespace
}  // namespace drover::worker
