#include "worker/webp_codec.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>

#include <doctest/doctest.h>

namespace drover::worker {
namespace {

/// The test pattern of tests/data/webp/record.py:
/// (x * 40 + y * 20 + frame * 70 + c * 90) % 256.
pixels8 pattern(std::uint32_t width, std::uint32_t height, std::uint32_t frame,
                std::uint32_t channels) {
  pixels8 p{width, height, channels, {}};
  for (std::uint32_t y = 0; y < height; ++y) {
    for (std::uint32_t x = 0; x < width; ++x) {
      for (std::uint32_t c = 0; c < channels; ++c) {
        p.data.push_back(
            static_cast<std::uint8_t>((x * 40 + y * 20 + frame * 70 + c * 90) % 256));
      }
    }
  }
  return p;
}

/// A smooth colour ramp, the kind of picture lossy WebP keeps well.
pixels8 gradient(std::uint32_t width, std::uint32_t height, std::uint32_t shift) {
  pixels8 p{width, height, 3, {}};
  for (std::uint32_t y = 0; y < height; ++y) {
    for (std::uint32_t x = 0; x < width; ++x) {
      for (std::uint32_t c = 0; c < 3; ++c) {
        p.data.push_back(static_cast<std::uint8_t>(x * 150 / width + y * 50 / height +
                                                   c * 20 + shift));
      }
    }
  }
  return p;
}

std::string test_file(const std::string& name) {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/webp/" + name, std::ios::binary};
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>{in}, {}};
}

int largest_difference(const pixels8& a, const pixels8& b) {
  REQUIRE(a.data.size() == b.data.size());
  int worst = 0;
  for (std::size_t i = 0; i < a.data.size(); ++i) {
    worst = std::max(worst, std::abs(int{a.data[i]} - int{b.data[i]}));
  }
  return worst;
}

double mean_difference(const pixels8& a, const pixels8& b) {
  REQUIRE(a.data.size() == b.data.size());
  double sum = 0;
  for (std::size_t i = 0; i < a.data.size(); ++i) {
    sum += std::abs(int{a.data[i]} - int{b.data[i]});
  }
  return sum / static_cast<double>(a.data.size());
}

TEST_CASE("a lossless WebP keeps every pixel of RGB and RGBA images") {
  for (std::uint32_t channels : {3u, 4u}) {
    CAPTURE(channels);
    auto image = pattern(7, 5, 1, channels);
    auto webp = encode_webp(image, {true, 80, 4});
    REQUIRE(webp.has_value());
    CHECK(looks_like_webp(webp.value()));
    auto back = decode_webp(webp.value());
    REQUIRE(back.has_value());
    REQUIRE(back.value().frames.size() == 1);
    CHECK(back.value().frames[0].channels == channels);
    CHECK(back.value().frames[0].width == 7);
    CHECK(back.value().frames[0].height == 5);
    CHECK(back.value().frames[0].data == image.data);
    CHECK(back.value().exif.empty());
  }
}

TEST_CASE("grey is stored as RGB and grey with alpha as RGBA") {
  pixels8 grey{2, 1, 1, {10, 200}};
  auto rgb = decode_webp(encode_webp(grey, {true, 80, 4}).value());
  REQUIRE(rgb.has_value());
  CHECK(rgb.value().frames[0].data ==
        std::vector<std::uint8_t>{10, 10, 10, 200, 200, 200});

  pixels8 grey_alpha{2, 1, 2, {10, 255, 200, 100}};
  auto rgba = decode_webp(encode_webp(grey_alpha, {true, 80, 4}).value());
  REQUIRE(rgba.has_value());
  CHECK(rgba.value().frames[0].data ==
        std::vector<std::uint8_t>{10, 10, 10, 255, 200, 200, 200, 100});
}

TEST_CASE("a lossy WebP at quality 80 stays within a few levels of a smooth image") {
  // Pillow 9.4 on libwebp 1.2.4 saving this ramp at quality 80, method 4 and
  // reading it back is off by 7 levels at worst and 1.19 on average (VP8
  // halves the chroma resolution); the bounds leave room for other libwebps.
  auto image = gradient(64, 48, 0);
  auto webp = encode_webp(image, {false, 80, 4});
  REQUIRE(webp.has_value());
  auto back = decode_webp(webp.value());
  REQUIRE(back.has_value());
  CHECK(back.value().frames[0].channels == 3);
  CHECK(largest_difference(image, back.value().frames[0]) <= 10);
  CHECK(mean_difference(image, back.value().frames[0]) <= 1.5);

  auto rough = encode_webp(image, {false, 5, 4});
  REQUIRE(rough.has_value());
  CHECK(rough.value().size() < webp.value().size());
}

TEST_CASE("an animated WebP decodes to every frame, each shown for its duration") {
  std::vector<pixels8> frames{pattern(5, 4, 0, 3), pattern(5, 4, 1, 3),
                              pattern(5, 4, 2, 3)};
  auto webp = encode_animated_webp(frames, 166, {true, 80, 4});
  REQUIRE(webp.has_value());
  auto back = decode_webp(webp.value());
  REQUIRE(back.has_value());
  REQUIRE(back.value().frames.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(back.value().frames[i].data == frames[i].data);
    CHECK(back.value().durations_ms[i] == 166);
  }

  auto first = decode_webp(webp.value(), 1);
  REQUIRE(first.has_value());
  CHECK(first.value().frames.size() == 1);
  CHECK(first.value().frames[0].data == frames[0].data);
}

TEST_CASE("the EXIF given is stored as given, in a still picture and an animation") {
  const std::string exif{"MM\0\x2a\0\0\0\x08\0\0\0\0\0\0", 14};
  auto still = decode_webp(encode_webp(pattern(2, 2, 0, 3), {}, exif).value());
  REQUIRE(still.has_value());
  CHECK(still.value().exif == exif);

  auto marked = "Exif\0\0" + exif;
  auto animation = decode_webp(
      encode_animated_webp({pattern(2, 2, 0, 3), pattern(2, 2, 1, 3)}, 100, {}, marked)
          .value());
  REQUIRE(animation.has_value());
  CHECK(animation.value().exif == marked);
}

TEST_CASE("Pillow's WebP files decode to the pixels and durations Pillow reads") {
  // Lossless RGB animation: the pattern back exactly, as RGB (no alpha).
  auto lossless = decode_webp(test_file("anim_lossless.webp"));
  REQUIRE(lossless.has_value());
  REQUIRE(lossless.value().frames.size() == 3);
  for (std::uint32_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(lossless.value().frames[i].data == pattern(5, 4, i, 3).data);
    CHECK(lossless.value().durations_ms[i] == 166);
  }

  // Lossy animation: exactly what Pillow decoded, frame after frame.
  auto lossy = decode_webp(test_file("anim_lossy.webp"));
  REQUIRE(lossy.has_value());
  std::string pixels;
  for (const auto& frame : lossy.value().frames) {
    CHECK(frame.channels == 3);
    pixels.append(frame.data.begin(), frame.data.end());
  }
  CHECK(pixels == test_file("anim_lossy.rgb"));

  // A still RGBA picture keeps its alpha.
  auto still = decode_webp(test_file("still_rgba.webp"));
  REQUIRE(still.has_value());
  REQUIRE(still.value().frames.size() == 1);
  CHECK(still.value().frames[0].channels == 4);
  const auto& data = still.value().frames[0].data;
  CHECK(std::string(data.begin(), data.end()) == test_file("still_rgba.rgba"));
}

TEST_CASE("images and options WebP cannot take are refused") {
  CHECK_FALSE(encode_webp(pixels8{0, 0, 3, {}}, {}).has_value());
  CHECK_FALSE(encode_webp(pixels8{2, 2, 3, {1, 2, 3}}, {}).has_value());
  CHECK_FALSE(encode_webp(pattern(2, 2, 0, 3), {false, 101, 4}).has_value());
  CHECK_FALSE(encode_webp(pattern(2, 2, 0, 3), {false, 80, 7}).has_value());
  pixels8 wide{16384, 1, 1, std::vector<std::uint8_t>(16384)};
  auto too_wide = encode_webp(wide, {});
  REQUIRE_FALSE(too_wide.has_value());
  CHECK(too_wide.error().message.find("16383") != std::string::npos);

  CHECK_FALSE(encode_animated_webp({}, 100, {}).has_value());
  CHECK_FALSE(encode_animated_webp({pattern(2, 2, 0, 3), pattern(3, 2, 0, 3)}, 100, {})
                  .has_value());
  CHECK_FALSE(encode_animated_webp({pattern(2, 2, 0, 3), pattern(2, 2, 0, 4)}, 100, {})
                  .has_value());
}

TEST_CASE("an animation without frames is refused with a clear error") {
  // RIFF, VP8X with the animation flag on a 1x1 canvas, ANIM, and no ANMF.
  std::string vp8x{"VP8X\x0a\0\0\0\x02\0\0\0\0\0\0\0\0\0", 18};
  std::string anim{"ANIM\x06\0\0\0\0\0\0\0\0\0", 14};
  std::string body = "WEBP" + vp8x + anim;
  std::string riff = "RIFF";
  for (int shift = 0; shift < 32; shift += 8) {
    riff += static_cast<char>((body.size() >> shift) & 0xFF);
  }
  auto empty = decode_webp(riff + body);
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().code == actors::errc::invalid_input);
  CHECK(empty.error().message.find("no frames") != std::string::npos);
}

TEST_CASE("hostile or truncated WebP bytes give an error or a picture, never a crash") {
  CHECK_FALSE(decode_webp("").has_value());
  CHECK_FALSE(decode_webp("\x89PNG\r\n\x1a\n").has_value());
  CHECK_FALSE(decode_webp("RIFF\0\0\0\0WEBPVP8 ").has_value());

  for (const auto& webp : {test_file("anim_lossy.webp"), test_file("still_rgba.webp")}) {
    std::mt19937 random{7};
    for (int round = 0; round < 300; ++round) {
      // Keep the RIFF header, which the decoder checks first, and damage the rest.
      auto damaged = webp.substr(0, 17 + random() % (webp.size() - 17));
      for (int flips = 0; flips < 4; ++flips) {
        damaged[16 + random() % (damaged.size() - 16)] = static_cast<char>(random());
      }
      auto decoded = decode_webp(damaged);
      if (decoded) {
        for (const auto& p : decoded.value().frames) {
          CHECK(p.data.size() == std::size_t{p.width} * p.height * p.channels);
        }
      }
    }
  }
}

TEST_CASE("a WebP larger than the pixel limit is refused before it is decoded") {
  auto webp = test_file("anim_lossy.webp");  // three 8x8 frames
  auto refused = decode_webp(webp, 3, 8 * 8 * 3 - 1);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("8x8") != std::string::npos);
  CHECK(decode_webp(webp, 3, 8 * 8 * 3).has_value());
  CHECK(decode_webp(webp, 1, 8 * 8).has_value());
}

}  // namespace
}  // namespace drover::worker
