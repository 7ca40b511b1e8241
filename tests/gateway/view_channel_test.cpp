// GET /view with `channel` and `preview`, served by a real Beast listener
// from files in memory.

#include <doctest/doctest.h>

#include "gateway/http_server.hpp"
#include "tests/gateway/server_fixture.hpp"
#include "tests/gateway/test_client.hpp"
#include "worker/jpeg_codec.hpp"
#include "worker/png_codec.hpp"
#include "worker/webp_codec.hpp"

namespace drover::gateway {
namespace {

struct view_fixture : test::server_fixture {
  view_fixture() {
    worker::pixels8 image{1, 2, 4, {10, 20, 30, 40, 50, 60, 70, 80}};
    auto png = worker::encode_png(image, {{"prompt", "{}"}}, 1);
    REQUIRE(png.has_value());
    stored = png.value();
    files.put({"output", "", "a.png"}, stored);
  }

  worker::pixels8 fetch(const std::string& query, std::string* type = nullptr) {
    auto r = test::http_call(port, "GET", "/view?filename=a.png&" + query);
    REQUIRE(r.status == 200);
    if (type != nullptr) {
      *type = r.headers["content-type"];
    }
    CHECK(r.headers["content-disposition"] == "filename=\"a.png\"");
    auto decoded = worker::decode_png(r.body);
    REQUIRE(decoded.has_value());
    return decoded.value().image;
  }

  std::string stored;
};

TEST_CASE("channel rgb answers the image without its alpha") {
  view_fixture f;
  std::string type;
  auto image = f.fetch("channel=rgb", &type);
  CHECK(type == "image/png");
  CHECK(image.channels == 3);
  CHECK(image.data == std::vector<std::uint8_t>{10, 20, 30, 50, 60, 70});
}

TEST_CASE("channel a answers only the alpha on black") {
  view_fixture f;
  auto image = f.fetch("channel=a");
  CHECK(image.channels == 4);
  CHECK(image.data == std::vector<std::uint8_t>{0, 0, 0, 40, 0, 0, 0, 80});
}

TEST_CASE("channel rgba and no channel answer the stored bytes") {
  view_fixture f;
  for (const char* target :
       {"/view?filename=a.png", "/view?filename=a.png&channel=rgba"}) {
    auto r = test::http_call(f.port, "GET", target);
    CHECK(r.status == 200);
    CHECK(r.body == f.stored);
    CHECK(r.headers["content-type"] == "image/png");
  }
}

TEST_CASE("a jpeg preview answers an RGB JPEG at the quality asked, 90 by default") {
  view_fixture f;
  worker::pixels8 big{64, 64, 4, std::vector<std::uint8_t>(64 * 64 * 4)};
  for (std::size_t i = 0; i < big.data.size(); ++i) {
    big.data[i] = static_cast<std::uint8_t>(i % 4 == 3 ? 128 : (i / 4) % 64 * 3);
  }
  f.files.put({"output", "", "big.png"}, worker::encode_png(big, {}, 1).value());
  auto fetch_jpeg = [&](const std::string& query) {
    auto r = test::http_call(f.port, "GET", "/view?filename=big.png&" + query);
    REQUIRE(r.status == 200);
    CHECK(r.headers["content-type"] == "image/jpeg");
    auto decoded = worker::decode_jpeg(r.body);
    REQUIRE(decoded.has_value());
    CHECK(decoded.value().channels == 3);
    CHECK(decoded.value().width == 64);
    return r.body;
  };
  auto fine = fetch_jpeg("preview=jpeg;95");
  auto rough = fetch_jpeg("preview=jpeg;5");
  auto plain = fetch_jpeg("preview=jpeg");
  CHECK(rough.size() < plain.size());
  CHECK(plain.size() < fine.size());
  CHECK(fetch_jpeg("preview=jpeg;abc") == plain);
}

/// `big.png`: 64x64 RGBA, a ramp with some grain at half opacity, so that
/// every step of quality changes the size of its WebP.
void put_big_rgba(view_fixture& f) {
  worker::pixels8 big{64, 64, 4, std::vector<std::uint8_t>(64 * 64 * 4)};
  for (std::size_t i = 0; i < big.data.size(); ++i) {
    const auto grain = static_cast<std::uint8_t>((i * 2654435761u) >> 27);
    big.data[i] = static_cast<std::uint8_t>(i % 4 == 3 ? 128 : (i / 4) % 64 * 3 + grain);
  }
  f.files.put({"output", "", "big.png"}, worker::encode_png(big, {}, 1).value());
}

/// GET /view of `big.png` with `query`, which must answer a WebP; its body.
std::string fetch_webp(view_fixture& f, const std::string& query,
                       std::uint32_t channels) {
  auto r = test::http_call(f.port, "GET", "/view?filename=big.png&" + query);
  REQUIRE(r.status == 200);
  CHECK(r.headers["content-type"] == "image/webp");
  CHECK(r.headers["content-disposition"] == "filename=\"big.png\"");
  auto decoded = worker::decode_webp(r.body);
  REQUIRE(decoded.has_value());
  CHECK(decoded.value().frames[0].channels == channels);
  CHECK(decoded.value().frames[0].width == 64);
  if (channels == 4) {
    CHECK(decoded.value().frames[0].data[3] == 128);
  }
  return r.body;
}

TEST_CASE("a webp preview answers a lossy WebP at the quality asked, alpha kept") {
  view_fixture f;
  put_big_rgba(f);
  auto fine = fetch_webp(f, "preview=webp;95", 4);
  auto rough = fetch_webp(f, "preview=webp;5", 4);
  auto plain = fetch_webp(f, "preview=webp", 4);
  CHECK(rough.size() < plain.size());
  CHECK(plain.size() < fine.size());
  CHECK(fetch_webp(f, "preview=webp;abc", 4) == plain);
  CHECK(fetch_webp(f, "preview=webp;90", 4) == plain);
}

TEST_CASE("a webp preview of channel rgb drops the alpha") {
  view_fixture f;
  put_big_rgba(f);
  fetch_webp(f, "preview=webp;80&channel=rgb", 3);
}

TEST_CASE("a jpeg preview asking for alpha, or another format, answers WebP") {
  view_fixture f;
  put_big_rgba(f);
  fetch_webp(f, "preview=jpeg&channel=a", 4);
  fetch_webp(f, "preview=jpeg;70&channel=rgba", 4);
  fetch_webp(f, "preview=gif", 4);
}

TEST_CASE("a stored WebP is previewed and split by channel at its first frame") {
  view_fixture f;
  worker::pixels8 red{2, 1, 4, {255, 0, 0, 255, 255, 0, 0, 40}};
  worker::pixels8 blue{2, 1, 4, {0, 0, 255, 255, 0, 0, 255, 255}};
  auto webp = worker::encode_animated_webp({red, blue}, 100, {true, 80, 4});
  REQUIRE(webp.has_value());
  f.files.put({"output", "", "clip.webp"}, webp.value());

  auto jpeg = test::http_call(f.port, "GET", "/view?filename=clip.webp&preview=jpeg");
  REQUIRE(jpeg.status == 200);
  CHECK(jpeg.headers["content-type"] == "image/jpeg");
  auto first = worker::decode_jpeg(jpeg.body);
  REQUIRE(first.has_value());
  CHECK(first.value().data[0] > 200);  // red, not blue
  CHECK(first.value().data[2] < 60);

  auto alpha = test::http_call(f.port, "GET", "/view?filename=clip.webp&channel=a");
  REQUIRE(alpha.status == 200);
  CHECK(alpha.headers["content-type"] == "image/png");
  auto png = worker::decode_png(alpha.body);
  REQUIRE(png.has_value());
  CHECK(png.value().image.data == std::vector<std::uint8_t>{0, 0, 0, 255, 0, 0, 0, 40});

  auto stored = test::http_call(f.port, "GET", "/view?filename=clip.webp");
  CHECK(stored.body == webp.value());
  CHECK(stored.headers["content-type"] == "image/webp");
}

TEST_CASE("a channel asked of a file that is not a PNG answers the file as stored") {
  view_fixture f;
  f.files.put({"output", "", "t.txt"}, "hello");
  auto r = test::http_call(f.port, "GET", "/view?filename=t.txt&channel=a");
  CHECK(r.status == 200);
  CHECK(r.body == "hello");
  CHECK(r.headers["content-type"] == "text/plain");
}

}  // namespace
}  // namespace drover::gateway
