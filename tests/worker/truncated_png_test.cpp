#include "worker/truncated_png.hpp"

#include <random>
#include <zlib.h>

#include <doctest/doctest.h>

#include "tests/worker/recorded_data.hpp"

namespace drover::worker {
namespace {

/// A file of tests/data/load_image, which record.py wrote with Pillow.
std::string recorded_png(const std::string& name) {
  return recorded_data("load_image/" + name);
}

TEST_CASE("a PNG cut in its image data keeps its whole rows and blanks the rest") {
  auto cut = decode_truncated_png(recorded_png("cut_rgba.png"));
  REQUIRE(cut.has_value());
  const auto& image = cut.value().frames.at(0);
  CHECK(image.width == 11);
  CHECK(image.height == 23);
  CHECK(image.data.back() == 0);  // clear, as a zero sample
  CHECK(cut.value().orientation == 1);
  CHECK(decode_truncated_png(recorded_png("cut_rgb_exif6.png")).value().orientation == 6);
}

TEST_CASE("a PNG cut before its image data, an APNG or a cut interlaced PNG is refused") {
  auto png = recorded_png("cut_rgba.png");
  CHECK_FALSE(decode_truncated_png(png.substr(0, png.find("IDAT") - 4)).has_value());
  CHECK_FALSE(decode_truncated_png(recorded_png("anim.png").substr(0, 400)).has_value());

  // The IHDR's interlace byte set, its CRC made good again.
  png[28] = 1;
  auto crc = crc32(0, reinterpret_cast<const Bytef*>(png.data() + 12), 17);
  for (int i = 0; i < 4; ++i) {
    png[29 + i] = static_cast<char>((crc >> (24 - 8 * i)) & 0xFF);
  }
  auto interlaced = decode_truncated_png(png);
  REQUIRE_FALSE(interlaced.has_value());
  CHECK(interlaced.error().code == actors::errc::invalid_input);
  CHECK(retry_raises_type_error(png));
  CHECK_FALSE(retry_raises_type_error(png.substr(0, png.find("IDAT") - 4)));
  CHECK_FALSE(retry_raises_type_error(recorded_png("cut_rgba.png")));
}

TEST_CASE("an interlaced PNG with all its rows but no IEND reads whole") {
  auto whole = decode_truncated_png(recorded_png("interlaced_no_iend.png"));
  REQUIRE(whole);
  auto expected = recorded_png("interlaced.png.rgba");
  const auto& p = whole.value().frames.at(0);
  REQUIRE(p.channels == 4);
  CHECK(std::string(p.data.begin(), p.data.end()) == expected);
}

TEST_CASE("hostile cut PNG bytes give an error or a whole picture, never a crash") {
  for (const char* name : {"cut_palette.png", "cut_no_iend.png", "orient6.png",
                           "interlaced.png", "interlaced_palette.png"}) {
    auto png = recorded_png(name);
    std::mt19937 random{7};
    for (int round = 0; round < 200; ++round) {
      auto damaged = png.substr(0, 9 + random() % (png.size() - 9));
      damaged[8 + random() % (damaged.size() - 8)] = static_cast<char>(random());
      auto decoded = decode_truncated_png(damaged);
      static_cast<void>(retry_raises_type_error(damaged));  // must not crash
      if (decoded) {
        const auto& p = decoded.value().frames.at(0);
        CHECK(p.data.size() == std::size_t{p.width} * p.height * p.channels);
      }
    }
  }
}

}  // namespace
}  // namespace drover::worker
