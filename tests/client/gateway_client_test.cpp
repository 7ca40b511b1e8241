// Scenario: `drover submit --url` is given an address, and outputs are
// fetched from /view and saved under names a batch cannot collide on.

#include "client/gateway_client.hpp"

#include <doctest/doctest.h>

#include "client/output_download.hpp"

namespace drover::client {
namespace {

TEST_CASE("a gateway URL gives its host and port") {
  auto full = parse_url("http://127.0.0.1:8188/");
  REQUIRE(full.has_value());
  CHECK(full.value().host == "127.0.0.1");
  CHECK(full.value().port == 8188);

  auto bare = parse_url("farm.local:9000");
  REQUIRE(bare.has_value());
  CHECK(bare.value().host == "farm.local");
  CHECK(bare.value().port == 9000);

  CHECK(parse_url("http://farm.local").value().port == 80);
}

TEST_CASE("a URL with another scheme, a path or a bad port is refused") {
  CHECK_FALSE(parse_url("https://farm:443").has_value());
  CHECK_FALSE(parse_url("http://farm:8188/api").has_value());
  CHECK_FALSE(parse_url("http://farm:0").has_value());
  CHECK_FALSE(parse_url("http://farm:99999").has_value());
  CHECK_FALSE(parse_url("http://farm:80x").has_value());
  CHECK_FALSE(parse_url("").has_value());
}

TEST_CASE("an output is saved under its prompt, node and file name") {
  output_file file{"9", "ComfyUI_00001_.png", "", "output"};
  CHECK(local_output_name("3f2a1c55-0d7e-4b8e-9a61-6c1f0e2b7d10", file) ==
        "3f2a1c55_9_ComfyUI_00001_.png");

  // Folders in a hostile file name never leave the out folder.
  output_file sneaky{"../7", "../../etc/passwd", "", "output"};
  auto name = local_output_name("abcdef0123", sneaky);
  CHECK(name.find('/') == std::string::npos);
  CHECK(name == "abcdef01_.._7_passwd");
}

TEST_CASE("the /view target percent-encodes every field") {
  output_file file{"9", "a b&c.png", "sub/dir", "output"};
  CHECK(view_target(file) ==
        "/view?filename=a%20b%26c.png&subfolder=sub%2Fdir&type=output");
}

TEST_CASE("a gateway that is not there is reported unavailable, not thrown") {
  // Port 1 on loopback: nothing listens there in a test environment.
  auto response = http_request({"127.0.0.1", 1}, "GET", "/queue", {},
                               std::chrono::milliseconds{2000});
  REQUIRE_FALSE(response.has_value());
  CHECK(response.error().code == actors::errc::unavailable);
  auto ws = ws_client::connect({"127.0.0.1", 1}, "x", std::chrono::milliseconds{2000});
  REQUIRE_FALSE(ws.has_value());
  CHECK(ws.error().code == actors::errc::unavailable);
}

}  // namespace
}  // namespace drover::client
