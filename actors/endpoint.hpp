#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/result.hpp"

namespace drover::actors {

/// A TCP endpoint as users write it: `HOST:PORT`, or `[V6]:PORT`. Port 0 asks
/// the operating system to choose one when listening.
struct endpoint {
  std::string host;
  std::uint16_t port = 0;

  /// "host:port", with brackets around an IPv6 host.
  std::string to_string() const;

  /// "tcp://host:port", the form ZeroMQ connects to.
  std::string zmq_address() const;
};

/// Parses `HOST:PORT`. Fails with errc::invalid_input and a message naming the
/// problem for an empty host, a missing or non-numeric port, or one above 65535.
result<endpoint> parse_endpoint(std::string_view text);

/// The address of this machine that routes towards `peer_host` (the source
/// address the kernel would pick), used to advertise a worker's sockets to the
/// rest of the farm. Sends no packet. Falls back to "127.0.0.1".
std::string local_address_towards(const std::string& peer_host);

}  // namespace drover::actors
