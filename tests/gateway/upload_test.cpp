// POST /upload/image and /upload/mask served by a real Beast listener, with
// the result store replaced by files in memory, and the multipart parser on
// its own against hostile bodies.

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "gateway/http_server.hpp"
#include "gateway/multipart.hpp"
#include "tests/gateway/server_fixture.hpp"
#include "tests/gateway/test_client.hpp"
#include "worker/png_codec.hpp"

namespace drover::gateway {
namespace {

using plain_json = nlohmann::json;

const std::string boundary = "----droverBoundary7MA4YWxk";

struct field {
  field(std::string n, std::string v, std::string f = "")
      : name(std::move(n)), value(std::move(v)), filename(std::move(f)) {}
  std::string name;
  std::string value;
  std::string filename;  ///< "" for a plain field
};

std::string form_body(const std::vector<field>& fields) {
  std::string body;
  for (const auto& f : fields) {
    body +=
        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.name + "\"";
    if (!f.filename.empty()) {
      body += "; filename=\"" + f.filename + "\"\r\nContent-Type: image/png";
    }
    body += "\r\n\r\n" + f.value + "\r\n";
  }
  return body + "--" + boundary + "--\r\n";
}

test::http_result upload(std::uint16_t port, const std::string& route,
                         const std::vector<field>& fields) {
  return test::http_call(port, "POST", route, form_body(fields),
                         {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
}

std::string png_of(std::uint32_t channels, std::uint8_t value,
                   std::vector<worker::png_text> text = {}) {
  worker::pixels8 image;
  image.width = 2;
  image.height = 2;
  image.channels = channels;
  image.data.assign(4 * channels, value);
  auto bytes = worker::encode_png(image, text, 1);
  REQUIRE(bytes.has_value());
  return bytes.value();
}

struct upload_fixture : test::server_fixture {
  upload_fixture() : test::server_fixture{1 << 20} {}
};

actors::store_file input_file(std::string name, std::string subfolder = "") {
  return actors::store_file{"input", std::move(subfolder), std::move(name)};
}

TEST_CASE("an uploaded image is stored in input and answered with its name") {
  upload_fixture f;
  auto png = png_of(3, 10);
  auto r = upload(f.port, "/upload/image", {{"image", png, "cat.png"}});
  REQUIRE(r.status == 200);
  CHECK(plain_json::parse(r.body) ==
        plain_json({{"name", "cat.png"}, {"subfolder", ""}, {"type", "input"}}));
  CHECK(f.files.find(input_file("cat.png")) == png);
}

TEST_CASE("an upload under /api with type and subfolder lands in that folder") {
  upload_fixture f;
  auto r = upload(f.port, "/api/upload/image",
                  {{"image", "abc", "a.png"}, {"type", "temp"}, {"subfolder", "x/y"}});
  REQUIRE(r.status == 200);
  CHECK(plain_json::parse(r.body) ==
        plain_json({{"name", "a.png"}, {"subfolder", "x/y"}, {"type", "temp"}}));
  CHECK(f.files.find({"temp", "x/y", "a.png"}) == "abc");
}

TEST_CASE("the same bytes under a taken name are reused, different bytes renamed") {
  upload_fixture f;
  f.files.put(input_file("cat.png"), "old");
  f.files.put(input_file("cat (1).png"), "older");

  auto same = upload(f.port, "/upload/image", {{"image", "old", "cat.png"}});
  CHECK(plain_json::parse(same.body)["name"] == "cat.png");
  CHECK(f.files.size() == 2);

  auto other = upload(f.port, "/upload/image", {{"image", "new", "cat.png"}});
  CHECK(plain_json::parse(other.body)["name"] == "cat (2).png");
  CHECK(f.files.find(input_file("cat (2).png")) == "new");
  CHECK(f.files.find(input_file("cat.png")) == "old");

  auto again = upload(f.port, "/upload/image", {{"image", "older", "cat.png"}});
  CHECK(plain_json::parse(again.body)["name"] == "cat (1).png");
}

TEST_CASE("overwrite replaces a taken name instead of renaming") {
  upload_fixture f;
  f.files.put(input_file("cat.png"), "old");
  for (const char* flag : {"true", "1"}) {
    auto r =
        upload(f.port, "/upload/image",
               {{"image", std::string{"new"} + flag, "cat.png"}, {"overwrite", flag}});
    CHECK(plain_json::parse(r.body)["name"] == "cat.png");
    CHECK(f.files.find(input_file("cat.png")) == std::string{"new"} + flag);
  }
  CHECK(f.files.size() == 1);
}

TEST_CASE("escaping subfolders, bad names and bad types are refused with 400") {
  upload_fixture f;
  for (const char* sub : {"../x", "/abs", "a/../../b", "a\\b"}) {
    auto r =
        upload(f.port, "/upload/image", {{"image", "x", "a.png"}, {"subfolder", sub}});
    CHECK_MESSAGE(r.status == 400, sub);
  }
  for (const char* name : {"../a.png", "a/b.png", ".."}) {
    CHECK_MESSAGE(upload(f.port, "/upload/image", {{"image", "x", name}}).status == 400,
                  name);
  }
  CHECK(upload(f.port, "/upload/image", {{"image", "x", "a.png"}, {"type", "models"}})
            .status == 400);
  CHECK(f.files.size() == 0);
}

TEST_CASE("a form without an image file part is refused with 400") {
  upload_fixture f;
  CHECK(upload(f.port, "/upload/image", {{"type", "input"}}).status == 400);
  CHECK(upload(f.port, "/upload/image", {{"image", "not a file"}}).status == 400);
  CHECK(test::http_call(f.port, "POST", "/upload/image", R"({"image":"x"})").status ==
        400);
  CHECK(f.files.size() == 0);
}

TEST_CASE("a mask upload lays its alpha on the original and keeps its text") {
  upload_fixture f;
  auto original = png_of(3, 200, {{"prompt", "{\"1\":{}}"}});
  f.files.put({"output", "", "orig.png"}, original);
  auto mask = png_of(4, 77);

  auto r = upload(f.port, "/upload/mask",
                  {{"image", mask, "clipspace-mask.png"},
                   {"original_ref", R"({"filename":"orig.png","type":"output"})"}});
  REQUIRE(r.status == 200);
  CHECK(plain_json::parse(r.body)["name"] == "clipspace-mask.png");
  auto stored = f.files.find(input_file("clipspace-mask.png"));
  REQUIRE(stored.has_value());
  auto decoded = worker::decode_png(*stored);
  REQUIRE(decoded.has_value());
  const auto& image = decoded.value().image;
  CHECK(image.channels == 4);
  CHECK(image.data == std::vector<std::uint8_t>{200, 200, 200, 77, 200, 200, 200, 77, 200,
                                                200, 200, 77, 200, 200, 200, 77});
  CHECK(decoded.value().text == std::vector<worker::png_text>{{"prompt", "{\"1\":{}}"}});
}

TEST_CASE("a mask with a missing, escaping or malformed original_ref is refused") {
  upload_fixture f;
  auto mask = png_of(4, 1);
  auto ask = [&](const std::string& ref) {
    return upload(f.port, "/upload/mask",
                  {{"image", mask, "m.png"}, {"original_ref", ref}})
        .status;
  };
  CHECK(ask(R"({"filename":"nothing.png"})") == 404);
  CHECK(ask(R"({"filename":"../etc/passwd"})") == 400);
  CHECK(ask(R"({"filename":"a.png","subfolder":"../.."})") == 403);
  CHECK(ask("not json") == 400);
  f.files.put({"output", "", "junk.png"}, "not a png");
  CHECK(ask(R"({"filename":"junk.png"})") == 400);
  CHECK(f.files.size() == 1);
}

TEST_CASE("the multipart parser reads quoted parameters and binary bodies") {
  auto b = multipart_boundary("multipart/form-data; boundary=\"a b\"");
  REQUIRE(b.has_value());
  CHECK(b.value() == "a b");
  std::string body =
      "preamble\r\n--xx\r\ncontent-disposition: form-data; "
      "name=\"f\"; filename=\"q\\\"s.png\"\r\n\r\n";
  body += std::string("\0\r\n-\r\n--x", 11);
  body += "\r\n--xx\r\nContent-Disposition: form-data; name=t\r\n\r\nv\r\n--xx--";
  auto parts = parse_multipart(body, "xx");
  REQUIRE(parts.has_value());
  REQUIRE(parts.value().size() == 2);
  CHECK(parts.value()[0].filename == "q\"s.png");
  CHECK(parts.value()[0].body == std::string("\0\r\n-\r\n--x", 11));
  CHECK(parts.value()[1].name == "t");
  CHECK(parts.value()[1].body == "v");
}

TEST_CASE("hostile multipart bodies are refused without a crash") {
  CHECK_FALSE(multipart_boundary("application/json").has_value());
  CHECK_FALSE(multipart_boundary("multipart/form-data").has_value());
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a'))
                  .has_value());
  const std::vector<std::string> bodies = {
      "",
      "--xx",
      "--xx\r\n",
      "--xx\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
      "--xx\r\nContent-Disposition: form-data\r\n\r\nv\r\n--xx--",
      "--xx\r\nno colon here\r\n\r\nv\r\n--xx--",
      "--xx\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--xx--",
      "--xx\r\nContent-Disposition: form-data; name=\"unterminated\r\n\r\nv\r\n--xx--",
      "--xxjunk",
      "--xx\r\n\r\nv\r\n--xx--",
  };
  for (const auto& body : bodies) {
    CHECK_MESSAGE(!parse_multipart(body, "xx").has_value(), body);
  }
  std::string many;
  for (int i = 0; i < 100; ++i) {
    many += "--xx\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n";
  }
  CHECK_FALSE(parse_multipart(many + "--xx--", "xx").has_value());

  // Every prefix of a valid body is refused or parsed, never a crash.
  std::string valid =
      "--xx\r\nContent-Disposition: form-data; name=\"a\"; "
      "filename=\"b\"\r\n\r\nbody\r\n--xx--\r\n";
  for (std::size_t n = 0; n <= valid.size(); ++n) {
    (void)parse_multipart(valid.substr(0, n), "xx");
  }
  CHECK(parse_multipart(valid, "xx").has_value());
}

}  // namespace
}  // namespace drover::gateway
