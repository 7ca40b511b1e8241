#include <fstream>
#include <iterator>
#include <string_view>
#include <webp/encode.h>
#include <zlib.h>

#include <doctest/doctest.h>

#include "native_node_runner.hpp"
#include "worker/png_codec.hpp"
#include "worker/webp_codec.hpp"

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

/// The test pattern of tests/data/webp/record.py, frame by frame.
std::vector<pixels8> pattern_frames(std::uint32_t width, std::uint32_t height,
                                    std::uint32_t frames) {
  std::vector<pixels8> out;
  for (std::uint32_t f = 0; f < frames; ++f) {
    pixels8 p{width, height, 3, {}};
    for (std::uint32_t y = 0; y < height; ++y) {
      for (std::uint32_t x = 0; x < width; ++x) {
        for (std::uint32_t c = 0; c < 3; ++c) {
          p.data.push_back(
              static_cast<std::uint8_t>((x * 40 + y * 20 + f * 70 + c * 90) % 256));
        }
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

/// `frames` as an IMAGE batch whose saved bytes are the frames' own: each value
/// sits mid-level, so ComfyUI's truncating `255 * x` lands on it.
tensor_ptr batch_of(const std::vector<pixels8>& frames) {
  const auto& first = frames[0];
  std::vector<float> values;
  for (const auto& frame : frames) {
    for (auto v : frame.data) {
      values.push_back((static_cast<float>(v) + 0.5f) / 255.0f);
    }
  }
  return tensor_of({static_cast<std::int64_t>(frames.size()), first.height, first.width,
                    first.channels},
                   std::move(values));
}

std::string webp_test_file(const std::string& name) {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/webp/" + name, std::ios::binary};
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>{in}, {}};
}

/// Runs SaveAnimatedWEBP with `extra_pnginfo` beside the runner's prompt.
node_outcome save_webp(native_node_runner& r, const json& extra_pnginfo,
                       const tensor_ptr& images, bool lossless,
                       const char* method = "default", const char* prefix = "anim/clip") {
  attempt_environment env{{"p", 0, 0}, r.prompt, extra_pnginfo,
                          r.files,     r.events, r.interrupt};
  const auto* definition = r.registry.find("SaveAnimatedWEBP");
  REQUIRE(definition != nullptr);
  node_call call{*definition,
                 "7",
                 {{"images", images},
                  {"filename_prefix", json(prefix)},
                  {"fps", json(6.0)},
                  {"lossless", json(lossless)},
                  {"quality", json(80)},
                  {"method", json(method)}},
                 env};
  return definition->run(call);
}

/// The prompt and extra_pnginfo of tests/data/webp/record.py.
const json recorded_prompt = {{"1", {{"class_type", "LoadImage"}}}};
const json recorded_extra = {{"workflow", {{"nodes", json::array()}, {"links", nullptr}}},
                             {"caf\xc3\xa9", "cr\xc3\xa8me"}};

TEST_CASE("object_info of SaveAnimatedWEBP equals ComfyUI's entry") {
  testing::check_object_info({"SaveAnimatedWEBP"});
}

TEST_CASE("SaveAnimatedWEBP writes Pillow's lossless animation: frames, timing, EXIF") {
  native_node_runner r{recorded_prompt};
  auto frames = pattern_frames(5, 4, 3);
  auto out = save_webp(r, recorded_extra, batch_of(frames), true);
  REQUIRE(out.has_value());
  CHECK(out.value().ui == json{{"images", json::array({{{"filename", "clip_00001_.webp"},
                                                        {"subfolder", "anim"},
                                                        {"type", "output"}}})},
                               {"animated", json::array({true})}});
  auto decoded = decode_webp(r.files.files.at("output/anim/clip_00001_.webp"));
  REQUIRE(decoded.has_value());
  REQUIRE(decoded.value().frames.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(decoded.value().frames[i].width == 5);
    CHECK(decoded.value().frames[i].height == 4);
    CHECK(decoded.value().frames[i].data == frames[i].data);
    CHECK(decoded.value().durations_ms[i] == 166);  // int(1000 / 6)
  }
  // Pillow wrote the same frames with the same metadata in record.py.
  auto pillow = decode_webp(webp_test_file("anim_lossless.webp"));
  REQUIRE(pillow.has_value());
  CHECK(decoded.value().exif == pillow.value().exif);
  CHECK(decoded.value().exif.compare(0, 6, std::string{"Exif\0\0", 6}) == 0);

  // The next save takes the next counter.
  REQUIRE(save_webp(r, recorded_extra, batch_of(frames), true).has_value());
  CHECK(r.files.files.count("output/anim/clip_00002_.webp") == 1);
}

TEST_CASE("SaveAnimatedWEBP writes Pillow's very bytes on the libwebp they came from") {
  // record.py ran Pillow 9.4 on Debian 12's libwebp 1.2.4; another libwebp may
  // compress differently, which the other tests allow.
  if (WebPGetEncoderVersion() != 0x010204) {
    MESSAGE("libwebp is not 1.2.4: byte comparison skipped");
    return;
  }
  native_node_runner r{recorded_prompt};
  REQUIRE(save_webp(r, recorded_extra, batch_of(pattern_frames(5, 4, 3)), true, "default",
                    "lossless")
              .has_value());
  CHECK(r.files.files.at("output//lossless_00001_.webp") ==
        webp_test_file("anim_lossless.webp"));
  REQUIRE(save_webp(r, recorded_extra, batch_of(pattern_frames(8, 8, 3)), false,
                    "default", "lossy")
              .has_value());
  CHECK(r.files.files.at("output//lossy_00001_.webp") ==
        webp_test_file("anim_lossy.webp"));
}

TEST_CASE("SaveAnimatedWEBP's lossy frames stay within a few levels of the images") {
  // Each frame is the smooth ramp of webp_codec_test, where Pillow's own
  // quality-80 round trip is off by 7 levels at worst and 1.19 on average.
  std::vector<pixels8> frames;
  for (std::uint32_t f = 0; f < 2; ++f) {
    pixels8 p{64, 48, 3, {}};
    for (std::uint32_t y = 0; y < 48; ++y) {
      for (std::uint32_t x = 0; x < 64; ++x) {
        for (std::uint32_t c = 0; c < 3; ++c) {
          p.data.push_back(
              static_cast<std::uint8_t>(x * 150 / 64 + y * 50 / 48 + c * 20 + f * 10));
        }
      }
    }
    frames.push_back(std::move(p));
  }
  for (const char* method : {"default", "fastest", "slowest"}) {
    CAPTURE(method);
    native_node_runner r;
    REQUIRE(save_webp(r, nullptr, batch_of(frames), false, method, "lossy").has_value());
    auto decoded = decode_webp(r.files.files.at("output//lossy_00001_.webp"));
    REQUIRE(decoded.has_value());
    REQUIRE(decoded.value().frames.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
      const auto& got = decoded.value().frames[i].data;
      double sum = 0;
      int worst = 0;
      for (std::size_t k = 0; k < got.size(); ++k) {
        int d = std::abs(int{got[k]} - int{frames[i].data[k]});
        worst = std::max(worst, d);
        sum += d;
      }
      CHECK(worst <= 10);
      CHECK(sum / static_cast<double>(got.size()) <= 1.5);
    }
  }
}

TEST_CASE("SaveAnimatedWEBP of a single image writes a still WebP, not marked animated") {
  native_node_runner r{recorded_prompt};
  auto out = save_webp(r, nullptr, batch_of(pattern_frames(5, 4, 1)), true);
  REQUIRE(out.has_value());
  CHECK(!out.value().ui.contains("animated"));
  const auto& webp = r.files.files.at("output/anim/clip_00001_.webp");
  CHECK(webp.find("ANIM") == std::string::npos);
  auto decoded = decode_webp(webp);
  REQUIRE(decoded.has_value());
  CHECK(decoded.value().frames.size() == 1);
  // Pillow's still writer drops the Exif marker: the TIFF header comes first.
  CHECK(decoded.value().exif.compare(0, 4, std::string{"MM\0\x2a", 4}) == 0);
  CHECK(decoded.value().exif.find("prompt:{\"1\"") != std::string::npos);
}

TEST_CASE("SaveAnimatedWEBP without prompt writes the empty EXIF Pillow writes") {
  native_node_runner r{nullptr};
  auto out = save_webp(r, nullptr, batch_of(pattern_frames(2, 2, 2)), true);
  REQUIRE(out.has_value());
  auto decoded = decode_webp(r.files.files.at("output/anim/clip_00001_.webp"));
  REQUIRE(decoded.has_value());
  CHECK(decoded.value().exif ==
        std::string{"Exif\0\0MM\0\x2a\0\0\0\x08\0\0\0\0\0\0", 20});
}

TEST_CASE("SaveAnimatedWEBP refuses unknown options clearly and writes nothing") {
  native_node_runner r;
  auto frames = batch_of(pattern_frames(2, 2, 2));
  auto method = save_webp(r, nullptr, frames, true, "quickest");
  REQUIRE_FALSE(method.has_value());
  CHECK(method.error().exception_type == "ValueError");
  CHECK(method.error().message.find("method") != std::string::npos);
  CHECK(r.files.files.empty());
}

}  // namespace
}  // namespace drover::worker
