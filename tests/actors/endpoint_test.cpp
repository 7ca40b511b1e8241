#include "actors/endpoint.hpp"

#include <doctest/doctest.h>

namespace drover::actors {
namespace {

TEST_CASE("HOST:PORT endpoints parse, IPv6 in brackets included") {
  auto v4 = parse_endpoint("127.0.0.1:8188");
  REQUIRE(v4.has_value());
  CHECK(v4.value().host == "127.0.0.1");
  CHECK(v4.value().port == 8188);
  CHECK(v4.value().zmq_address() == "tcp://127.0.0.1:8188");

  auto v6 = parse_endpoint("[::1]:0");
  REQUIRE(v6.has_value());
  CHECK(v6.value().host == "::1");
  CHECK(v6.value().port == 0);
  CHECK(v6.value().to_string() == "[::1]:0");
}

TEST_CASE("malformed endpoints are refused with a message") {
  for (const char* text : {"", "8188", ":8188", "host:", "host:http", "host:65536",
                           "host:-1", "host:12ab"}) {
    CAPTURE(text);
    auto parsed = parse_endpoint(text);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == errc::invalid_input);
    CHECK_FALSE(parsed.error().message.empty());
  }
}

}  // namespace
}  // namespace drover::actors
