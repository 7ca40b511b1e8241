#include "worker/gif_frames.hpp"

#include <fstream>
#include <iterator>
#include <random>

#include <doctest/doctest.h>

namespace drover::worker {
namespace {

/// A GIF of tests/data/load_image, which record.py wrote with Pillow.
std::string recorded_gif(const std::string& name) {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/load_image/" + name,
                   std::ios::binary};
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>{in}, {}};
}

TEST_CASE("a GIF is recognised by its GIF87a or GIF89a signature") {
  CHECK(looks_like_gif(recorded_gif("anim.gif")));
  CHECK(looks_like_gif("GIF87a"));
  CHECK_FALSE(looks_like_gif("GIF88a"));
  CHECK_FALSE(looks_like_gif("GIF"));
  CHECK_FALSE(looks_like_gif("\x89PNG\r\n\x1a\n"));
}

TEST_CASE("a GIF's frames are all kept, or as many as asked for") {
  auto all = decode_gif_frames(recorded_gif("anim.gif"));
  REQUIRE(all.has_value());
  CHECK(all.value().size() == 5);
  auto first = decode_gif_frames(recorded_gif("anim.gif"), 1);
  REQUIRE(first.has_value());
  REQUIRE(first.value().size() == 1);
  CHECK(first.value()[0].data == all.value()[0].data);
}

/// `gif` with the graphic control block of frame `frame` (0 first) naming
/// its transparent index.
std::string with_transparency(std::string gif, int frame) {
  auto at = gif.find("\x21\xf9\x04");
  for (; frame > 0 && at != std::string::npos; --frame) {
    at = gif.find("\x21\xf9\x04", at + 1);
  }
  REQUIRE(at != std::string::npos);
  gif[at + 3] = static_cast<char>(gif[at + 3] | 1);
  return gif;
}

TEST_CASE("a grey GIF's frame with its own colour table gets a blank grey canvas") {
  // Pillow paints it onto a new "P" image through the grey ramp: index 5 of
  // the frame reads as grey 5, and the canvas around it is index 0.
  auto frames = decode_gif_frames(recorded_gif("grey_local_table.gif"));
  REQUIRE(frames.has_value());
  REQUIRE(frames.value().size() == 4);
  const auto& second = frames.value()[1];
  REQUIRE(second.channels == 3);
  CHECK(second.data[0] == 0);
  CHECK(second.data[(3 * 7 + 4) * 3] == 5);
  CHECK(frames.value()[2].channels == 3);

  // With the first frame's transparent index, that frame and the next are RGBA.
  auto clear =
      decode_gif_frames(with_transparency(recorded_gif("grey_local_table.gif"), 0));
  REQUIRE(clear.has_value());
  CHECK(clear.value()[0].channels == 1);
  CHECK(clear.value()[1].channels == 4);
  CHECK(clear.value()[2].channels == 4);
}

TEST_CASE("a grey GIF frame with a transparent index after colour frames fails") {
  // Pillow 9.4 decodes it in "L" mode and fails: "image has no palette".
  auto gif = with_transparency(recorded_gif("grey_local_table.gif"), 2);
  auto frames = decode_gif_frames(gif);
  REQUIRE_FALSE(frames.has_value());
  CHECK(frames.error().message.find("no palette") != std::string::npos);
  CHECK(decode_gif_frames(gif, 2).has_value());
}

TEST_CASE("a GIF larger than the pixel limit is refused") {
  auto gif = recorded_gif("anim.gif");  // five 7x18 frames
  CHECK(decode_gif_frames(gif, 5, 5 * 7 * 18).has_value());
  auto refused = decode_gif_frames(gif, 5, 5 * 7 * 18 - 1);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == actors::errc::invalid_input);
}

TEST_CASE("hostile or truncated GIF bytes give an error or a picture, never a crash") {
  CHECK_FALSE(decode_gif_frames("").has_value());
  CHECK_FALSE(decode_gif_frames("GIF89a").has_value());
  CHECK_FALSE(decode_gif_frames(std::string{"GIF89a\1\0\1\0\0\0\0;", 14}).has_value());

  for (const auto& gif : {recorded_gif("anim.gif"), recorded_gif("interlaced.gif"),
                          recorded_gif("anim_grey.gif")}) {
    std::mt19937 random{11};
    for (int round = 0; round < 300; ++round) {
      auto damaged = gif.substr(0, 7 + random() % (gif.size() - 7));
      for (int flips = 0; flips < 4; ++flips) {
        damaged[6 + random() % (damaged.size() - 6)] = static_cast<char>(random());
      }
      auto decoded = decode_gif_frames(damaged);
      if (decoded) {
        for (const auto& p : decoded.value()) {
          CHECK(p.data.size() == std::size_t{p.width} * p.height * p.channels);
        }
      }
    }
  }
}

}  // namespace
}  // namespace drover::worker
