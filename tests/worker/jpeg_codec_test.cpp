#include "worker/jpeg_codec.hpp"

#include <algorithm>
#include <cstdlib>
#include <random>

#include <doctest/doctest.h>

namespace drover::worker {
namespace {

/// A smooth colour ramp: what JPEG keeps well.
pixels8 gradient(std::uint32_t width, std::uint32_t height, std::uint32_t channels) {
  pixels8 p{width, height, channels, {}};
  p.data.resize(std::size_t{width} * height * channels);
  for (std::uint32_t y = 0; y < height; ++y) {
    for (std::uint32_t x = 0; x < width; ++x) {
      auto* px = p.data.data() + (std::size_t{y} * width + x) * channels;
      for (std::uint32_t c = 0; c < channels; ++c) {
        px[c] = static_cast<std::uint8_t>(x * 150 / width + y * 50 / height + c * 20);
      }
    }
  }
  return p;
}

int largest_difference(const pixels8& a, const pixels8& b, std::uint32_t channels_of_a) {
  int worst = 0;
  for (std::size_t i = 0, n = std::size_t{b.width} * b.height; i < n; ++i) {
    for (std::uint32_t c = 0; c < b.channels; ++c) {
      worst = std::max(worst, std::abs(int{a.data[i * channels_of_a + c]} -
                                       int{b.data[i * b.channels + c]}));
    }
  }
  return worst;
}

TEST_CASE("an RGB image survives a JPEG round trip at quality 95 within a few levels") {
  auto image = gradient(64, 48, 3);
  auto jpeg = encode_jpeg(image, 95);
  REQUIRE(jpeg.has_value());
  CHECK(looks_like_jpeg(jpeg.value()));
  auto back = decode_jpeg(jpeg.value());
  REQUIRE(back.has_value());
  CHECK(back.value().width == 64);
  CHECK(back.value().height == 48);
  CHECK(back.value().channels == 3);
  CHECK(largest_difference(image, back.value(), 3) <= 12);

  auto rough = encode_jpeg(image, 10);
  REQUIRE(rough.has_value());
  CHECK(rough.value().size() < jpeg.value().size());
}

TEST_CASE("grey stays grey and RGBA loses its alpha in a JPEG") {
  auto grey = decode_jpeg(encode_jpeg(gradient(16, 16, 1), 95).value());
  REQUIRE(grey.has_value());
  CHECK(grey.value().channels == 1);

  auto rgba = gradient(16, 16, 4);
  auto rgb = decode_jpeg(encode_jpeg(rgba, 95).value());
  REQUIRE(rgb.has_value());
  CHECK(rgb.value().channels == 3);
  CHECK(largest_difference(rgba, rgb.value(), 4) <= 12);
}

TEST_CASE("images JPEG cannot take and qualities out of range are refused") {
  CHECK_FALSE(encode_jpeg(pixels8{0, 0, 3, {}}, 95).has_value());
  CHECK_FALSE(encode_jpeg(pixels8{1, 1, 2, {1, 2}}, 95).has_value());
  CHECK_FALSE(encode_jpeg(pixels8{2, 2, 3, {1, 2, 3}}, 95).has_value());
  CHECK_FALSE(encode_jpeg(gradient(4, 4, 3), 0).has_value());
  CHECK_FALSE(encode_jpeg(gradient(4, 4, 3), 101).has_value());
}

TEST_CASE("hostile or truncated JPEG bytes give an error or a picture, never a crash") {
  CHECK_FALSE(decode_jpeg("").has_value());
  CHECK_FALSE(decode_jpeg("\x89PNG\r\n\x1a\n").has_value());
  CHECK_FALSE(decode_jpeg(std::string{"\xff\xd8\xff", 3}).has_value());

  auto jpeg = encode_jpeg(gradient(32, 32, 3), 90).value();
  std::mt19937 random{7};
  for (int round = 0; round < 200; ++round) {
    auto damaged = jpeg.substr(0, random() % jpeg.size());
    for (int flips = 0; flips < 8 && damaged.size() > 4; ++flips) {
      damaged[2 + random() % (damaged.size() - 2)] = static_cast<char>(random());
    }
    auto decoded = decode_jpeg(damaged);
    if (decoded) {
      auto& p = decoded.value();
      CHECK(p.data.size() == std::size_t{p.width} * p.height * p.channels);
    }
  }
}

TEST_CASE("a JPEG larger than the pixel limit is refused before it is decoded") {
  auto jpeg = encode_jpeg(gradient(64, 64, 3), 90).value();
  auto refused = decode_jpeg(jpeg, 64 * 63);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("64x64") != std::string::npos);
  CHECK(decode_jpeg(jpeg, 64 * 64).has_value());
}

}  // namespace
}  // namespace drover::worker
