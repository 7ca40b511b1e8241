#pragma once

// A real gateway listener on a free loopback port, in front of the fake
// coordinator and the in-memory files of test_client.hpp.

#include <cstddef>
#include <cstdint>
#include <memory>

#include <doctest/doctest.h>

#include "gateway/http_server.hpp"
#include "tests/gateway/test_client.hpp"

namespace drover::test {

struct server_fixture {
  explicit server_fixture(std::size_t max_upload_bytes = std::size_t{100} << 20) {
    gateway::server_options options;
    options.listen = actors::endpoint{"127.0.0.1", 0};
    options.max_upload_bytes = max_upload_bytes;
    server = std::make_unique<gateway::http_server>(options, coordinator, files);
    auto bound = server->start();
    REQUIRE_MESSAGE(bound.has_value(), bound.error().message);
    port = bound.value().port;
  }

  fake_coordinator coordinator;
  memory_files files;
  std::unique_ptr<gateway::http_server> server;
  std::uint16_t port = 0;
};

}  // namespace drover::test
