#include "worker/bmp_reader.hpp"

#include <algorithm>

#include <doctest/doctest.h>

#include "worker_test_support.hpp"

namespace drover::worker {
namespace {

using testing::load_image_data;

/// The message of the error that decoding `bytes` gives, or "" for a picture.
std::string refusal(const std::string& bytes, std::uint64_t max_pixels = 1 << 28) {
  auto decoded = decode_bmp(bytes, max_pixels);
  return decoded ? std::string{} : decoded.error().message;
}

void set_le(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i, v >>= 8) {
    b[at + i] = static_cast<char>(v & 0xFF);
  }
}

TEST_CASE("BMP bytes are told apart by their BM signature") {
  CHECK(looks_like_bmp(load_image_data("rgb24.bmp")));
  CHECK(looks_like_bmp(load_image_data("rle8.bmp")));
  CHECK_FALSE(looks_like_bmp(load_image_data("rgb.tga")));
  CHECK_FALSE(looks_like_bmp("B"));
}

TEST_CASE("malformed BMPs are refused with a clear error") {
  auto rle8 = load_image_data("rle8.bmp");
  CHECK(refusal(rle8.substr(0, 40)).find("header") != std::string::npos);
  CHECK(refusal(rle8.substr(0, 100)).find("runs end") != std::string::npos);
  // Pillow needs the last row's pixels, not its padding.
  auto raw = load_image_data("palette8.bmp");
  CHECK(decode_bmp(raw.substr(0, raw.size() - 1)));
  CHECK(refusal(raw.substr(0, raw.size() - 2)).find("cut short") != std::string::npos);
  auto rle4 = load_image_data("rle4.bmp");
  CHECK(refusal(rle4.substr(0, rle4.size() - 4)).find("runs end") != std::string::npos);

  auto wide = rle8;
  set_le(wide, 18, 0x7FFFFFFF);
  CHECK(refusal(wide).find("larger") != std::string::npos);
  CHECK(refusal(rle8, 13 * 7 - 1).find("larger") != std::string::npos);
  auto deep = rle8;
  deep[28] = 24;
  CHECK(refusal(deep).find("RLE of 24-bit") != std::string::npos);
  deep[28] = 7;
  CHECK(refusal(deep).find("bit depth 7") != std::string::npos);

  // Compressions and bit fields layouts that Pillow has no rawmode for.
  auto bmp = load_image_data("rgb24.bmp");
  bmp[30] = 6;  // BI_ALPHABITFIELDS
  CHECK(refusal(bmp).find("compression 6") != std::string::npos);
  bmp[30] = 3;  // bit fields: a 40-byte header's masks follow it
  bmp.replace(54, 12, std::string{"\xff\0\0\0\0\xff\0\0\0\0\xff\0", 12});
  CHECK(refusal(bmp).find("bit fields") != std::string::npos);
  CHECK(refusal(load_image_data("rgb24.bmp"), 7 * 5 - 1).find("larger") !=
        std::string::npos);
  auto bw = load_image_data("black_white8.bmp");
  bw[30] = 1;
  CHECK(refusal(bw).find("black and white") != std::string::npos);

  // An end of bitmap before the last row, which Pillow also refuses.
  auto early = rle8;
  early[146] = 0, early[147] = 1;
  CHECK(refusal(early).find("runs end") != std::string::npos);

  // A delta far past the end fills no more than the picture.
  auto far = rle8;
  far.replace(146, 6, std::string{"\0\x02\0\0\xff\xff", 6});
  auto filled = decode_bmp(far);
  REQUIRE(filled);
  CHECK(filled.value().data.size() == 13 * 7 * 3);
}

TEST_CASE("a cut BMP keeps the rows whose pixels it holds, as Pillow's retry does") {
  // 7 RGB pixels a row padded to 24 bytes: the third row's padding is cut.
  auto rgb = load_image_data("rgb24.bmp");
  auto whole = decode_bmp(rgb);
  REQUIRE(whole);
  for (std::size_t held : {0, 1, 2}) {
    CAPTURE(held);
    auto cut = decode_truncated_bmp(rgb.substr(0, 54 + 24 * held + 21 - 1));
    REQUIRE(cut);
    std::size_t blank = (5 - held) * 7 * 3;
    CHECK(std::equal(cut.value().data.begin() + blank, cut.value().data.end(),
                     whole.value().data.begin() + blank));
    CHECK(std::all_of(cut.value().data.begin(), cut.value().data.begin() + blank,
                      [](std::uint8_t v) { return v == 0; }));
  }
  CHECK(decode_truncated_bmp(rgb.substr(0, 54 + 24 * 2 + 21)).value().data ==
        decode_truncated_bmp(rgb.substr(0, 54 + 24 * 3 - 1)).value().data);

  // Runs that stop early, which Pillow refuses even so.
  auto rle8 = load_image_data("rle8.bmp");
  CHECK_FALSE(decode_truncated_bmp(rle8.substr(0, rle8.size() * 2 / 3)));
}

TEST_CASE("hostile BMP bytes give an error or a whole picture") {
  testing::check_hostile_copies({"rle8.bmp", "rle4.bmp", "palette8.bmp", "rgba32.bmp",
                                 "bits565.bmp", "os2_palette.bmp"},
                                {decode_bmp, decode_truncated_bmp}, 18, 11);
}

}  // namespace
}  // namespace drover::worker
