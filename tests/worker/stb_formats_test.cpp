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

TEST_CASE("BMP, Netpbm and TGA bytes are told apart as Pillow's readers accept them") {
  CHECK(looks_like_bmp(recorded("rgb24.bmp")));
  CHECK(looks_like_pnm(recorded("binary.ppm")));
  CHECK(looks_like_tga(recorded("rle_rgba.tga")));
  CHECK(looks_like_tga(recorded("palette_rle.tga")));
  CHECK_FALSE(looks_like_tga(recorded("rgb24.bmp")));
  CHECK_FALSE(looks_like_tga(recorded("anim.png")));
  CHECK_FALSE(looks_like_tga("not an image, but long enough"));
  CHECK_FALSE(looks_like_pnm("P7"));
}

TEST_CASE(
    "the BMP, TGA and Netpbm variants that stb_image reads unlike Pillow are "
    "refused") {
  // A plain (ASCII) PPM, a 1-bit PBM and a PGM of maxval 100, which Pillow
  // stretches to 0..255 and stb_image does not.
  for (std::string bytes :
       {std::string{"P3 1 1 255\n1 2 3\n"}, std::string{"P4 8 1\n\xff"},
        std::string{"P5 2 1 100\n\x32\x64"}}) {
    auto refused = decode_stb_picture(bytes, stb_format::pnm);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find("not supported") != std::string::npos);
  }

  auto bmp = recorded("palette8.bmp");
  bmp[30] = 1;  // BI_RLE8
  CHECK_FALSE(decode_stb_picture(bmp, stb_format::bmp).has_value());
  auto tga = recorded("rgb.tga");
  tga[16] = 16;
  CHECK_FALSE(decode_stb_picture(tga, stb_format::tga).has_value());
}

TEST_CASE("a BMP, TGA or PPM larger than the pixel limit is refused") {
  for (auto [name, format] :
       {std::pair{"rgb24.bmp", stb_format::bmp}, std::pair{"rgb.tga", stb_format::tga},
        std::pair{"binary.ppm", stb_format::pnm}}) {
    CAPTURE(name);
    CHECK(decode_stb_picture(recorded(name), format, 7 * 5).has_value());
    CHECK_FALSE(decode_stb_picture(recorded(name), format, 7 * 5 - 1).has_value());
  }
}

TEST_CASE("hostile or truncated BMP, TGA and PPM bytes give an error or a picture") {
  for (auto [name, format] : {std::pair{"rgba32.bmp", stb_format::bmp},
                              std::pair{"rle_rgba.tga", stb_format::tga},
                              std::pair{"palette_rle.tga", stb_format::tga},
                              std::pair{"binary.pgm", stb_format::pnm}}) {
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
