#include "worker/netpbm_reader.hpp"

#include <vector>

#include <doctest/doctest.h>

#include "worker_test_support.hpp"

namespace drover::worker {
namespace {

using testing::load_image_data;

/// The message of the error that decoding `bytes` gives, or "" for a picture.
std::string refusal(const std::string& bytes) {
  auto decoded = decode_netpbm(bytes);
  return decoded ? std::string{} : decoded.error().message;
}

TEST_CASE("Netpbm bytes are told apart by their magic P1 .. P6") {
  CHECK(looks_like_pnm(load_image_data("binary.ppm")));
  CHECK(looks_like_pnm("P1"));
  CHECK_FALSE(looks_like_pnm("P7"));
  CHECK_FALSE(looks_like_pnm("P"));
}

TEST_CASE("Netpbm samples are stretched to 0..255 as Pillow rounds them") {
  // 50 / 100 * 255 = 127.5 rounds to even; 16-bit greys pass through ComfyUI's
  // truncating scale; a binary sample above maxval is white.
  auto grey = decode_netpbm("P2 4 1 100\n0 50 99 100\n");
  REQUIRE(grey);
  CHECK(grey.value().channels == 1);
  CHECK(grey.value().data == std::vector<std::uint8_t>{0, 128, 252, 255});
  auto wide = decode_netpbm(std::string{"P5 3 1 65535\n\x01\x00\xff\xfe\x00\xfe", 19});
  REQUIRE(wide);
  CHECK(wide.value().data == std::vector<std::uint8_t>{1, 255, 0});
  auto above = decode_netpbm(std::string{"P6 1 1 7\n\x07\x08\x03", 12});
  REQUIRE(above);
  CHECK(above.value().data == std::vector<std::uint8_t>{255, 255, 109});
  auto bits = decode_netpbm("P1 3 2 1 0\n0 # comment\n011");
  REQUIRE(bits);
  CHECK(bits.value().data == std::vector<std::uint8_t>{0, 255, 255, 255, 0, 0});
}

TEST_CASE("malformed Netpbm headers and samples are refused with a clear error") {
  CHECK(refusal("P6x 1 1 255\n...").find("magic") != std::string::npos);
  CHECK(refusal("P5 2").find("ends inside its header") != std::string::npos);
  CHECK(refusal("P5 0 1 255\n").find("no pixels") != std::string::npos);
  CHECK(refusal("P5 1 1 0\n\x00").find("maxval") != std::string::npos);
  CHECK(refusal("P5 1 1 65536\n\x00\x00").find("maxval") != std::string::npos);
  CHECK(refusal("P5 12345678901 1 255\n").find("too long") != std::string::npos);
  CHECK(refusal("P5 +1 1 255\n\x00").find("not a number") != std::string::npos);
  CHECK(refusal("P2 2 1 9\n3 10\n").find("above maxval") != std::string::npos);
  CHECK(refusal("P2 2 1 9\n3 x\n").find("not a number") != std::string::npos);
  CHECK(refusal("P2 1 1 9\n12345678901\n").find("too long") != std::string::npos);
  CHECK(refusal("P1 2 1\n0 1 2").find("invalid byte") != std::string::npos);
  CHECK(refusal("P3 1 1 255\n1 2\n").find("too few samples") != std::string::npos);
}

TEST_CASE("truncated or absurdly large Netpbm pictures are refused, never read") {
  for (const char* name : {"binary.ppm", "grey1000.pgm", "rgb65535.ppm",
                           "binary_bits.pbm", "plain_bits.pbm"}) {
    CAPTURE(name);
    auto bytes = load_image_data(name);
    REQUIRE(decode_netpbm(bytes));
    CHECK_FALSE(decode_netpbm(bytes.substr(0, bytes.size() * 2 / 3)));
  }
  // A plain file cut at whitespace; cut inside a sample, that sample fills
  // the rest, as in Pillow.
  CHECK(refusal("P2 3 1 255\n1 2 ").find("too few") != std::string::npos);
  auto filled = decode_netpbm("P2 3 1 255\n1 25");
  REQUIRE(filled);
  CHECK(filled.value().data == std::vector<std::uint8_t>{1, 25, 25});

  // Sizes that the bytes cannot hold fail before any memory is reserved.
  CHECK(refusal("P6 9999999999 9999999999 255\n").find("larger") != std::string::npos);
  CHECK(refusal("P6 10000 10000 65535\n\x01").find("truncated") != std::string::npos);
  CHECK(refusal("P1 16000 16000\n1").find("truncated") != std::string::npos);
  CHECK(decode_netpbm(load_image_data("binary.ppm"), 7 * 5));
  CHECK_FALSE(decode_netpbm(load_image_data("binary.ppm"), 7 * 5 - 1));
}

TEST_CASE("cut binary Netpbm files keep their whole rows where Pillow's retry does") {
  // Two rows and a half of a 2x3 pixmap: the third row is black.
  auto cut =
      decode_truncated_netpbm(std::string{"P6 2 3 255\n"
                                          "abcdefghijklmno",
                                          26});
  REQUIRE(cut);
  CHECK(cut.value().data == std::vector<std::uint8_t>{'a', 'b', 'c', 'd', 'e', 'f', 'g',
                                                      'h', 'i', 'j', 'k', 'l', 0, 0, 0, 0,
                                                      0, 0});

  // Pillow fails on these whatever the retry: a maxval it reads sample by
  // sample, and a greymap of maxval 255 that it maps into memory.
  for (const char* name : {"grey1000.pgm", "rgb7.ppm", "binary.pgm"}) {
    CAPTURE(name);
    auto bytes = load_image_data(name);
    CHECK_FALSE(decode_truncated_netpbm(bytes.substr(0, bytes.size() * 2 / 3)));
  }
}

TEST_CASE("hostile Netpbm bytes give an error or a whole picture") {
  testing::check_hostile_copies({"binary.pgm", "plain_grey.pgm", "plain_bits.pbm",
                                 "grey65535.pgm", "binary_bits.pbm"},
                                {decode_netpbm, decode_truncated_netpbm}, 4, 7);
}

}  // namespace
}  // namespace drover::worker
