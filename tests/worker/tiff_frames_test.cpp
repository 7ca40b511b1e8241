#include "worker/tiff_frames.hpp"

#include <random>

#include <doctest/doctest.h>

#include "tests/worker/recorded_data.hpp"

namespace drover::worker {
namespace {

/// A file of tests/data/load_image, which record.py wrote with Pillow.
std::string recorded_tiff(const std::string& name) {
  return recorded_data("load_image/" + name);
}

TEST_CASE("a TIFF is recognised by its little- or big-endian header") {
  CHECK(looks_like_tiff(recorded_tiff("rgb.tif")));
  CHECK(looks_like_tiff(std::string{"MM\0*", 4}));
  CHECK_FALSE(looks_like_tiff("II"));
  CHECK_FALSE(looks_like_tiff("BM"));
}

TEST_CASE("a TIFF's pages are all kept, or as many as asked for, with orientation") {
  auto all = decode_tiff_pages(recorded_tiff("pages.tif"));
  REQUIRE(all.has_value());
  REQUIRE(all.value().size() == 3);
  CHECK(all.value()[1].image.width == 5);
  CHECK(all.value()[1].image.height == 7);
  CHECK(decode_tiff_pages(recorded_tiff("pages.tif"), 1).value().size() == 1);

  auto turned = decode_tiff_pages(recorded_tiff("orient6.tif"));
  REQUIRE(turned.has_value());
  CHECK(turned.value()[0].orientation == 6);
  CHECK(turned.value()[0].image.width == 7);  // as stored, not yet turned
}

TEST_CASE("a TIFF larger than the pixel limit is refused") {
  auto tiff = recorded_tiff("pages.tif");  // three pages of 35 pixels
  CHECK(decode_tiff_pages(tiff, 3, 3 * 35).has_value());
  CHECK_FALSE(decode_tiff_pages(tiff, 3, 3 * 35 - 1).has_value());
}

TEST_CASE("a TIFF is read in the channels of Pillow's mode for its samples") {
  auto channels = [](const char* name) {
    CAPTURE(name);
    auto pages = decode_tiff_pages(recorded_tiff(name));
    REQUIRE(pages.has_value());
    return pages.value()[0].image.channels;
  };
  CHECK(channels("grey16.tif") == 1);
  CHECK(channels("float.tif") == 1);
  CHECK(channels("grey_alpha_planar.tif") == 2);
  CHECK(channels("cmyk_extra.tif") == 3);
  CHECK(channels("rgbx.tif") == 3);
  CHECK(channels("ycbcr_jpeg.tif") == 3);
  CHECK(channels("rgba16_assoc.tif") == 4);
}

/// Counts the bytes of the one page of `name` that differ from what
/// ComfyUI's LoadImage gave over Pillow (record.py's NAME.rgba): RGB, grey
/// as RGB, and the alpha band where the page has one.
int bytes_unlike_pillow(const std::string& name) {
  CAPTURE(name);
  auto pages = decode_tiff_pages(recorded_tiff(name));
  REQUIRE(pages.has_value());
  REQUIRE(pages.value().size() == 1);
  const auto& p = pages.value()[0].image;
  std::size_t pixels = std::size_t{p.width} * p.height, colours = p.channels < 3 ? 1 : 3;
  auto expected = recorded_tiff(name + ".rgba");
  REQUIRE(expected.size() == pixels * 4);
  int wrong = 0;
  for (std::size_t i = 0; i < pixels; ++i) {
    const auto* got = &p.data[i * p.channels];
    for (std::size_t c = 0; c < 3; ++c) {
      wrong +=
          static_cast<std::uint8_t>(expected[i * 4 + c]) != got[colours == 1 ? 0 : c];
    }
    if (p.channels > colours) {
      wrong += static_cast<std::uint8_t>(expected[i * 4 + 3]) != got[colours];
    }
  }
  return wrong;
}

TEST_CASE("2-, 4- and 12-bit grey TIFFs are read as Pillow scales or clips them") {
  // One strip and several, compressed, big-endian, tiled, white-is-zero,
  // and cut in a strip (whole rows kept, as ComfyUI's retry keeps them).
  for (const char* name : {"grey2.tif", "grey2_white_deflate.tif", "grey4.tif",
                           "grey4_white_be.tif", "grey4_tiled.tif", "grey12.tif",
                           "grey12_deflate.tif", "cut_grey4.tif", "cut_grey12.tif"}) {
    CHECK_MESSAGE(bytes_unlike_pillow(name) == 0, std::string{name});
  }
}

TEST_CASE("an old-style JPEG TIFF is read through libtiff's RGBA reader, as Pillow") {
  // Chroma in full and subsampled by two each way, on odd sizes.
  for (const char* name : {"ojpeg.tif", "ojpeg_420.tif"}) {
    CHECK_MESSAGE(bytes_unlike_pillow(name) == 0, std::string{name});
  }
}

TEST_CASE("a TIFF layout Pillow has no mode for or misreads is refused with a reason") {
  for (const char* name :
       {"refused_grey_alpha_planar.tif", "refused_grey16_be_white.tif",
        "refused_uint32_be.tif", "refused_signed_rgb.tif", "refused_grey12_white.tif",
        "refused_grey12_be.tif", "refused_grey12_signed.tif", "refused_grey4_signed.tif",
        "refused_grey2_alpha.tif", "refused_lab16.tif"}) {
    CAPTURE(name);
    auto refused = decode_tiff_pages(recorded_tiff(name));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == actors::errc::invalid_input);
    CHECK(refused.error().message.find("TIFF") != std::string::npos);
  }
}

TEST_CASE("uncompressed 16-bit TIFF planes are read as Pillow's 8-bit raw modes do") {
  // Pillow takes the first bytes of each plane's strips or tiles for 8-bit
  // samples; RGB in one strip and several, big-endian RGBA, RGB and an
  // unused extra sample (in 8 bits too), CMYK, and RGBA in tiles, those
  // past the right edge read with another stride.
  for (const char* name : {"garbled_rgb16_planar.tif", "planes16_rgb.tif",
                           "planes16_rgba_be.tif", "planes16_rgbx.tif", "planes_rgbx.tif",
                           "planes16_cmyk.tif", "planes16_tiled.tif"}) {
    CHECK_MESSAGE(bytes_unlike_pillow(name) == 0, std::string{name});
  }
}

TEST_CASE("a TIFF that Pillow reads but drover does not match yet is refused") {
  // Lab goes through LittleCMS in Pillow; reversed fill order is read
  // bit-reversed when uncompressed.
  for (const char* name : {"lab.tif", "grey4_fill_reversed.tif"}) {
    CAPTURE(name);
    auto refused = decode_tiff_pages(recorded_tiff(name));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == actors::errc::invalid_input);
    CHECK(refused.error().message.find("not supported") != std::string::npos);
  }
}

TEST_CASE("hostile or truncated TIFF bytes give an error or a picture, never a crash") {
  CHECK_FALSE(decode_tiff_pages("").has_value());
  CHECK_FALSE(decode_tiff_pages(std::string{"II*\0", 4}).has_value());
  CHECK_FALSE(decode_tiff_pages(std::string{"II*\0\xff\xff\xff\x7f", 8}).has_value());

  for (const auto& tiff :
       {recorded_tiff("rgb_lzw.tif"), recorded_tiff("pages.tif"),
        recorded_tiff("palette.tif"), recorded_tiff("bilevel.tif"),
        recorded_tiff("rgba_assoc_planar.tif"), recorded_tiff("rgba16_tiled.tif"),
        recorded_tiff("ycbcr_jpeg.tif"), recorded_tiff("ycbcr_deflate.tif"),
        recorded_tiff("float_be_tiled.tif"), recorded_tiff("rgba_planar.tif"),
        recorded_tiff("grey2_white_deflate.tif"), recorded_tiff("grey4_tiled.tif"),
        recorded_tiff("grey12.tif"), recorded_tiff("grey12_deflate.tif"),
        recorded_tiff("ojpeg.tif"), recorded_tiff("ojpeg_420.tif"),
        recorded_tiff("planes16_rgba_be.tif"), recorded_tiff("planes16_tiled.tif")}) {
    std::mt19937 random{3};
    for (int round = 0; round < 300; ++round) {
      auto damaged = tiff.substr(0, 9 + random() % (tiff.size() - 9));
      for (int flips = 0; flips < 4; ++flips) {
        damaged[4 + random() % (damaged.size() - 4)] = static_cast<char>(random());
      }
      auto decoded = decode_tiff_pages(damaged);
      if (decoded) {
        for (const auto& page : decoded.value()) {
          const auto& p = page.image;
          CHECK(p.data.size() == std::size_t{p.width} * p.height * p.channels);
        }
      }
    }
  }
}

}  // namespace
}  // namespace drover::worker
