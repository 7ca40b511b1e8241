#include "actors/endpoint.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

namespace drover::actors {

std::string endpoint::to_string() const {
  std::string out;
  if (host.find(':') != std::string::npos) {
    out = "[" + host + "]";
  } else {
    out = host;
  }
  return out + ":" + std::to_string(port);
}

std::string endpoint::zmq_address() const {
  return "tcp://" + to_string();
}

result<endpoint> parse_endpoint(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return fail(errc::invalid_input,
                "expected HOST:PORT, got '" + std::string{text} + "'");
  }
  auto host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) {
    return fail(errc::invalid_input, "empty host in '" + std::string{text} + "'");
  }
  unsigned value = 0;
  auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() ||
      port_text.empty() || value > 65535) {
    return fail(errc::invalid_input, "bad port '" + std::string{port_text} + "' in '" +
                                         std::string{text} + "'");
  }
  return endpoint{std::string{host}, static_cast<std::uint16_t>(value)};
}

std::string local_address_towards(const std::string& peer_host) {
  const std::string fallback = "127.0.0.1";
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(peer_host.c_str(), "9", &hints, &found) != 0 || found == nullptr) {
    return fallback;
  }

  // A connected UDP socket makes the kernel choose the source address for that
  // route; nothing is sent.
  std::string address = fallback;
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
    sockaddr_in local{};
    socklen_t length = sizeof(local);
    char buffer[INET_ADDRSTRLEN] = {};
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0 &&
        ::inet_ntop(AF_INET, &local.sin_addr, buffer, sizeof(buffer)) != nullptr) {
      address = buffer;
    }
  }
  if (fd >= 0) {
    ::close(fd);
  }
  freeaddrinfo(found);
  return address;
}

}  // namespace drover::actors
