// GET /view with `channel` and `preview`, served by a real Beast listener
// from files in memory.

#include <doctest/doctest.h>

#include "gateway/http_server.hpp"
#include "tests/gateway/server_fixture.hpp"
#include "tests/gateway/test_client.hpp"
#include "worker/jpeg_codec.hpp"
#include "worker/png_codec.hpp"

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

TEST_CASE("a webp preview, or a jpeg one asking for alpha, answers the PNG") {
  view_fixture f;
  std::string type;
  auto image = f.fetch("preview=webp;80&channel=rgb", &type);
  CHECK(type == "image/png");
  CHECK(image.channels == 3);
  image = f.fetch("preview=jpeg&channel=a", &type);
  CHECK(type == "image/png");
  CHECK(image.channels == 4);
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
