#include "worker/stb_formats.hpp"

#include <doctest/doctest.h>

#include "worker_test_support.hpp"

namespace drover::worker {
namespace {

using testing::load_image_data;

TEST_CASE("BMP bytes are told apart by their BM signature") {
  CHECK(looks_like_bmp(load_image_data("rgb24.bmp")));
  CHECK_FALSE(looks_like_bmp(load_image_data("rgb.tga")));
}

TEST_CASE("an RLE BMP, which stb_image reads unlike Pillow, is left to its own reader") {
  auto bmp = load_image_data("palette8.bmp");
  bmp[30] = 1;  // BI_RLE8
  auto refused = decode_stb_bmp(bmp);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("decode_bmp_rle") != std::string::npos);
}

TEST_CASE("a BMP larger than the pixel limit is refused") {
  CHECK(decode_stb_bmp(load_image_data("rgb24.bmp"), 7 * 5).has_value());
  CHECK_FALSE(decode_stb_bmp(load_image_data("rgb24.bmp"), 7 * 5 - 1).has_value());
}

TEST_CASE("hostile or truncated BMP bytes give an error or a picture") {
  for (const char* name : {"rgba32.bmp", "palette8.bmp", "rgb24.bmp"}) {
    auto bytes = load_image_data(name);
    for (const auto& damaged : testing::damaged_copies(bytes, 18, 5)) {
      auto decoded = decode_stb_bmp(damaged);
      if (decoded) {
        const auto& p = decoded.value();
        CHECK(p.data.size() == std::size_t{p.width} * p.height * p.channels);
      }
    }
  }
}

}  // namespace
}  // namespace drover::worker
