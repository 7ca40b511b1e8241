#include "worker/stb_formats.hpp"

#include <fstream>
#include <iterator>
#include <random>

#include <doctest/doctest.h>

namespace drover::worker {
namespace {

/// A picture of tests/data/load_image, which record.py wrote with Pillow.
std::string recorded(const std::string& name) {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/load_image/" + name,
                   std::ios::binary};
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>{in}, {}};
}

TEST_CASE("BMP and TGA bytes are told apart as Pillow's readers accept them") {
  CHECK(looks_like_bmp(recorded("rgb24.bmp")));
  CHECK(looks_like_tga(recorded("rle_rgba.tga")));
  CHECK(looks_like_tga(recorded("palette_rle.tga")));
  CHECK_FALSE(looks_like_tga(recorded("rgb24.bmp")));
  CHECK_FALSE(looks_like_tga(recorded("anim.png")));
  CHECK_FALSE(looks_like_tga("not an image, but long enough"));
}

TEST_CASE("the BMP and TGA variants that stb_image reads unlike Pillow are refused") {
  auto bmp = recorded("palette8.bmp");
  bmp[30] = 1;  // BI_RLE8
  CHECK_FALSE(decode_stb_picture(bmp, stb_format::bmp).has_value());
  auto tga = recorded("rgb.tga");
  tga[16] = 16;
  CHECK_FALSE(decode_stb_picture(tga, stb_format::tga).has_value());
}

TEST_CASE("a BMP or TGA larger than the pixel limit is refused") {
  for (auto [name, format] :
       {std::pair{"rgb24.bmp", stb_format::bmp}, std::pair{"rgb.tga", stb_format::tga}}) {
    CAPTURE(name);
    CHECK(decode_stb_picture(recorded(name), format, 7 * 5).has_value());
    CHECK_FALSE(decode_stb_picture(recorded(name), format, 7 * 5 - 1).has_value());
  }
}

TEST_CASE("hostile or truncated BMP and TGA bytes give an error or a picture") {
  for (auto [name, format] : {std::pair{"rgba32.bmp", stb_format::bmp},
                              std::pair{"rle_rgba.tga", stb_format::tga},
                              std::pair{"palette_rle.tga", stb_format::tga}}) {
    auto bytes = recorded(name);
    std::mt19937 random{5};
    for (int round = 0; round < 300; ++round) {
      auto damaged = bytes.substr(0, 18 + random() % (bytes.size() - 18));
      for (int flips = 0; flips < 4; ++flips) {
        damaged[2 + random() % (damaged.size() - 2)] = static_cast<char>(random());
      }
      auto decoded = decode_stb_picture(damaged, format);
      if (decoded) {
        const auto& p = decoded.value();
        CHECK(p.data.size() == std::size_t{p.width} * p.height * p.channels);
      }
    }
  }
}

}  // namespace
}  // namespace drover::worker
