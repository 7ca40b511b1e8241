#include "worker/tga_reader.hpp"

#include <algorithm>

#include <doctest/doctest.h>

#include "worker_test_support.hpp"

namespace drover::worker {
namespace {

using testing::load_image_data;

/// The message of the error that decoding `bytes` gives, or "" for a picture.
std::string refusal(const std::string& bytes, std::uint64_t max_pixels = 1 << 28) {
  auto decoded = decode_tga(bytes, max_pixels);
  return decoded ? std::string{} : decoded.error().message;
}

/// A 2x2 true-colour run-length TGA of 16-bit pixels holding `packets`.
std::string rle_tga(const std::string& packets) {
  return std::string{"\0\0\x0a\0\0\0\0\0\0\0\0\0\x02\0\x02\0\x10\0", 18} + packets;
}

TEST_CASE("TGA bytes are told apart as Pillow's reader accepts them") {
  CHECK(looks_like_tga(load_image_data("rle_rgba.tga")));
  CHECK(looks_like_tga(load_image_data("palette_rle.tga")));
  CHECK(looks_like_tga(load_image_data("rgb16.tga")));
  CHECK_FALSE(looks_like_tga(load_image_data("rgb24.bmp")));
  CHECK_FALSE(looks_like_tga(load_image_data("anim.png")));
  CHECK_FALSE(looks_like_tga("not an image, but long enough"));
}

TEST_CASE("five-bit channels stretch as Pillow's v * 255 / 31 rounded down") {
  // Red 31, green 1, blue 16, with the attribute bit set.
  auto p = decode_tga(rle_tga(std::string{"\x81\x30\xfc\x81\x30\xfc", 6}));
  REQUIRE(p);
  CHECK(p.value().channels == 3);
  CHECK(std::vector<std::uint8_t>(p.value().data.begin(), p.value().data.begin() + 3) ==
        std::vector<std::uint8_t>{255, 8, 131});
}

TEST_CASE("malformed TGAs are refused with a clear error") {
  for (const char* name : {"rgb16.tga", "rgb16_rle.tga", "grey_alpha16_rle.tga",
                           "rgb.tga", "rle_rgba.tga", "palette_rle.tga"}) {
    CAPTURE(name);
    auto bytes = load_image_data(name);
    CHECK(refusal(bytes.substr(0, bytes.size() / 2)).find("cut short") !=
          std::string::npos);
  }
  CHECK(refusal(rle_tga(std::string{"\x82\1\0\x80\1\0", 6})).find("past the end") !=
        std::string::npos);
  // A raw packet must be whole, even the part past the last pixel.
  CHECK(refusal(rle_tga(std::string{"\x04\1\0\1\0\1\0\1\0", 9})).find("cut short") !=
        std::string::npos);
  CHECK(decode_tga(rle_tga(std::string{"\x04\1\0\1\0\1\0\1\0\1\0", 11})));

  // Types and depths that Pillow has no mode for; colour maps it fails to
  // apply; 1-bit run-length pixels, which it fails to read.
  auto palette = load_image_data("rgb16.tga");
  palette[2] = 1;
  CHECK(refusal(palette).find("cannot be read") != std::string::npos);
  auto map = load_image_data("rgb16.tga");
  map[1] = 1, map[5] = 2, map[7] = 24;
  CHECK(refusal(map).find("colour map") != std::string::npos);
  auto wide_map = load_image_data("palette_rle.tga");
  wide_map[7] = 32;
  CHECK(refusal(wide_map).find("colour map") != std::string::npos);
  CHECK(refusal(std::string{"\0\0\x0b\0\0\0\0\0\0\0\0\0\x08\0\x01\0\x01\0\x81\xa5", 20})
            .find("1-bit") != std::string::npos);

  CHECK(refusal(load_image_data("rgb16.tga"), 9 * 5 - 1).find("larger") !=
        std::string::npos);
  CHECK(refusal(load_image_data("rgb24.bmp")).find("not one") != std::string::npos);
}

TEST_CASE("a cut TGA keeps its whole rows only where Pillow's retry does") {
  auto rgb = load_image_data("rgb.tga");
  auto cut = decode_truncated_tga(rgb.substr(0, 18 + 21 * 2 + 20));
  REQUIRE(cut);
  auto whole = decode_tga(rgb);
  REQUIRE(whole);
  // Bottom-up: the last two rows are the file's, the three above black.
  CHECK(std::equal(cut.value().data.begin() + 7 * 3 * 3, cut.value().data.end(),
                   whole.value().data.begin() + 7 * 3 * 3));
  CHECK(std::all_of(cut.value().data.begin(), cut.value().data.begin() + 7 * 3 * 3,
                    [](std::uint8_t v) { return v == 0; }));

  // 8-bit grey and palette pixels, which Pillow maps into memory.
  for (const char* name : {"grey_map.tga", "palette16.tga"}) {
    CAPTURE(name);
    auto bytes = load_image_data(name);
    CHECK_FALSE(decode_truncated_tga(bytes.substr(0, bytes.size() * 2 / 3)));
  }
}

TEST_CASE("hostile TGA bytes give an error or a whole picture") {
  testing::check_hostile_copies({"rgb16_rle.tga", "grey_alpha16_rle.tga", "rgb16.tga",
                                 "rle_rgba.tga", "palette_rle.tga"},
                                {decode_tga, decode_truncated_tga}, 18, 13);
}

}  // namespace
}  // namespace drover::worker
