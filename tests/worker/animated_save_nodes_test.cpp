#include <string_view>
#include <zlib.h>

#include <doctest/doctest.h>

#include "native_node_runner.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {
namespace {

using testing::native_node_runner;
using testing::tensor_of;

struct chunk {
  std::string type;
  std::string data;
};

std::uint32_t u32(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  }
  return v;
}

/// The chunks of a PNG file, checking every CRC.
std::vector<chunk> chunks_of(const std::string& png) {
  REQUIRE(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  std::vector<chunk> out;
  for (std::size_t at = 8; at < png.size();) {
    REQUIRE(at + 12 <= png.size());
    const auto length = u32(png, at);
    REQUIRE(at + 12 + length <= png.size());
    const auto crc = crc32(0, reinterpret_cast<const Bytef*>(png.data() + at + 4),
                           static_cast<uInt>(length + 4));
    CHECK(crc == u32(png, at + 8 + length));
    out.push_back({png.substr(at + 4, 4), png.substr(at + 8, length)});
    at += 12 + length;
  }
  return out;
}

std::string chunk_bytes(const std::string& type, const std::string& data) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += static_cast<char>((data.size() >> shift) & 0xFF);
  }
  std::string body = type + data;
  auto crc = crc32(0, reinterpret_cast<const Bytef*>(body.data()),
                   static_cast<uInt>(body.size()));
  out += body;
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += static_cast<char>((crc >> shift) & 0xFF);
  }
  return out;
}

TEST_CASE("object_info of SaveAnimatedPNG equals ComfyUI's entry") {
  testing::check_object_info({"SaveAnimatedPNG"});
}

TEST_CASE("SaveAnimatedPNG writes an APNG whose frames decode, merging repeated frames") {
  native_node_runner r{json{{"1", {{"class_type", "LoadImage"}}}}};
  // Three 1x2 RGB frames: red, red again, blue.
  auto images = tensor_of({3, 1, 2, 3}, {1, 0, 0, 1, 0, 0,  //
                                         1, 0, 0, 1, 0, 0,  //
                                         0, 0, 1, 0, 0, 1});
  auto out = r.run("SaveAnimatedPNG", {{"images", images},
                                       {"filename_prefix", json("anim/clip")},
                                       {"fps", json(6.0)},
                                       {"compress_level", json(4)}});
  REQUIRE(out.has_value());
  CHECK(out.value().ui == json{{"images", json::array({{{"filename", "clip_00001_.png"},
                                                        {"subfolder", "anim"},
                                                        {"type", "output"}}})},
                               {"animated", json::array({true})}});
  const auto& png = r.files.files.at("output/anim/clip_00001_.png");
  auto chunks = chunks_of(png);

  std::vector<std::string> types;
  for (const auto& c : chunks) {
    types.push_back(c.type);
  }
  CHECK(types == std::vector<std::string>{"IHDR", "acTL", "fcTL", "IDAT", "fcTL", "fdAT",
                                          "comf", "IEND"});
  CHECK(u32(chunks[1].data, 0) == 2);  // frames, after merging the repeat
  CHECK(u32(chunks[1].data, 4) == 0);  // loop forever
  // fcTL: sequence, size, offsets, then delay 2 x int(1000 / 6) over 1000.
  auto delay = [](const std::string& fctl) {
    return (static_cast<unsigned char>(fctl[20]) << 8) |
           static_cast<unsigned char>(fctl[21]);
  };
  CHECK(u32(chunks[2].data, 0) == 0);
  CHECK(delay(chunks[2].data) == 332);
  CHECK(u32(chunks[4].data, 0) == 1);
  CHECK(delay(chunks[4].data) == 166);
  CHECK(u32(chunks[5].data, 0) == 2);
  CHECK(chunks[6].data ==
        std::string{"prompt\0", 7} + "{\"1\": {\"class_type\": \"LoadImage\"}}");

  // A plain PNG reader shows the first frame; the fdAT data is the second.
  auto first = decode_png(png);
  REQUIRE(first);
  CHECK(first.value().image.data == std::vector<std::uint8_t>{255, 0, 0, 255, 0, 0});
  auto second_png =
      std::string{"\x89PNG\r\n\x1a\n", 8} + chunk_bytes("IHDR", chunks[0].data) +
      chunk_bytes("IDAT", chunks[5].data.substr(4)) + chunk_bytes("IEND", "");
  auto second = decode_png(second_png);
  REQUIRE(second);
  CHECK(second.value().image.data == std::vector<std::uint8_t>{0, 0, 255, 0, 0, 255});
}

TEST_CASE("SaveAnimatedPNG of a single image writes a plain PNG, not marked animated") {
  native_node_runner r;
  auto out = r.run("SaveAnimatedPNG", {{"images", tensor_of({1, 1, 1, 3}, {0, 1, 0})},
                                       {"filename_prefix", json("ComfyUI")},
                                       {"fps", json(6.0)},
                                       {"compress_level", json(4)}});
  REQUIRE(out.has_value());
  CHECK(!out.value().ui.contains("animated"));
  std::vector<std::string> types;
  for (const auto& c : chunks_of(r.files.files.at("output//ComfyUI_00001_.png"))) {
    if (c.type != "comf") {  // the prompt's metadata, as in every saved image
      types.push_back(c.type);
    }
  }
  CHECK(types == std::vector<std::string>{"IHDR", "IDAT", "IEND"});
}

}  // namespace
}  // namespace drover::worker
