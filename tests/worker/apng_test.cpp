// The animated PNG writer's limits, as Pillow's PNG plugin has them.

#include "worker/apng.hpp"

#include <doctest/doctest.h>

#include "native_node_runner.hpp"

namespace drover::worker {
namespace {

using testing::native_node_runner;
using testing::tensor_of;

pixels8 pixel(std::uint8_t red) {
  return pixels8{1, 1, 3, {red, 0, 0}};
}

/// The delay numerator of the first fcTL chunk of `png`.
std::uint32_t first_delay(const std::string& png) {
  const auto at = png.find("fcTL");
  REQUIRE(at != std::string::npos);
  const auto* d = reinterpret_cast<const unsigned char*>(png.data() + at + 4 + 20);
  return (std::uint32_t{d[0]} << 8) | d[1];
}

TEST_CASE("an animation frame may show up to 65535 ms, the fcTL field's limit") {
  auto png = encode_apng({{pixel(0), 65535}, {pixel(255), 1}}, {}, 4);
  REQUIRE(png.has_value());
  CHECK(first_delay(png.value()) == 65535);
}

TEST_CASE("a longer delay fails with struct.pack's message") {
  // Recorded from Pillow saving two 1x1 frames with duration=65536 and 100000.
  for (std::uint32_t delay : {65536u, 100000u}) {
    CAPTURE(delay);
    auto png = encode_apng({{pixel(0), delay}, {pixel(255), delay}}, {}, 4);
    REQUIRE(!png.has_value());
    CHECK(png.error().message == "'H' format requires 0 <= number <= 65535");
    CHECK(png.error().message == apng_delay_overflow_message);
  }
}

TEST_CASE("repeated frames whose delays add up past 65535 ms fail as well") {
  auto png = encode_apng({{pixel(0), 40000}, {pixel(0), 40000}, {pixel(255), 10}}, {}, 4);
  REQUIRE(!png.has_value());
  CHECK(png.error().message == apng_delay_overflow_message);
}

TEST_CASE("a single frame has no fcTL, so any delay is written") {
  CHECK(encode_apng({{pixel(0), 100000}}, {}, 4).has_value());
  CHECK(encode_apng({{pixel(0), 40000}, {pixel(0), 40000}}, {}, 4).has_value());
}

TEST_CASE("SaveAnimatedPNG at 0.01 fps reports struct.error and writes no file") {
  native_node_runner r;
  auto out =
      r.run("SaveAnimatedPNG", {{"images", tensor_of({2, 1, 1, 3}, {0, 0, 0, 1, 1, 1})},
                                {"filename_prefix", json("ComfyUI")},
                                {"fps", json(0.01)},
                                {"compress_level", json(4)}});
  REQUIRE(!out.has_value());
  CHECK(out.error().exception_type == "struct.error");
  CHECK(out.error().message == "'H' format requires 0 <= number <= 65535");
  CHECK(r.files.files.empty());
}

}  // namespace
}  // namespace drover::worker
