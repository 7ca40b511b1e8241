#include "worker/stb_formats.hpp"

#include <doctest/doctest.h>

#include "worker_test_support.hpp"

namespace drover::worker {
namespace {

using testing::load_image_data;

TEST_CASE("BMP and TGA bytes are told apart as Pillow's readers accept them") {
  CHECK(looks_like_bmp(load_image_data("rgb24.bmp")));
  CHECK(looks_like_tga(load_image_data("rle_rgba.tga")));
  CHECK(looks_like_tga(load_image_data("palette_rle.tga")));
  CHECK_FALSE(looks_like_tga(load_image_data("rgb24.bmp")));
  CHECK_FALSE(looks_like_tga(load_image_data("anim.png")));
  CHECK_FALSE(looks_like_tga("not an image, but long enough"));
}

TEST_CASE("the BMP and TGA variants that stb_image reads unlike Pillow are refused") {
  auto bmp = load_image_data("palette8.bmp");
  bmp[30] = 1;  // BI_RLE8
  CHECK_FALSE(decode_stb_picture(bmp, stb_format::bmp).has_value());
  auto tga = load_image_data("rgb.tga");
  tga[16] = 16;
  CHECK_FALSE(decode_stb_picture(tga, stb_format::tga).has_value());
}

TEST_CASE("a BMP or TGA larger than the pixel limit is refused") {
  for (auto [name, format] :
       {std::pair{"rgb24.bmp", stb_format::bmp}, std::pair{"rgb.tga", stb_format::tga}}) {
    CAPTURE(name);
    CHECK(decode_stb_picture(load_image_data(name), format, 7 * 5).has_value());
    CHECK_FALSE(decode_stb_picture(load_image_data(name), format, 7 * 5 - 1).has_value());
  }
}

TEST_CASE("hostile or truncated BMP and TGA bytes give an error or a picture") {
  for (auto [name, format] : {std::pair{"rgba32.bmp", stb_format::bmp},
                              std::pair{"rle_rgba.tga", stb_format::tga},
                              std::pair{"palette_rle.tga", stb_format::tga}}) {
    auto bytes = load_image_data(name);
    for (const auto& damaged : testing::damaged_copies(bytes, 18, 5)) {
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
