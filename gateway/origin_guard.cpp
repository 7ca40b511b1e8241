#include "gateway/origin_guard.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace drover::gateway {

namespace {

struct host_port {
  std::string host;
  std::string port;  ///< empty when absent
};

host_port split_host(std::string_view text) {
  host_port out;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    out.host = std::string{
        text.substr(1, close == std::string_view::npos ? text.npos : close - 1)};
    if (close != std::string_view::npos && close + 1 < text.size() &&
        text[close + 1] == ':') {
      out.port = std::string{text.substr(close + 2)};
    }
  } else {
    auto colon = text.rfind(':');
    out.host = std::string{text.substr(0, colon)};
    if (colon != std::string_view::npos) {
      out.port = std::string{text.substr(colon + 1)};
    }
  }
  std::transform(out.host.begin(), out.host.end(), out.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

bool origin_refused(std::string_view host, std::string_view origin) {
  if (host.empty() || origin.empty()) {
    return false;
  }
  auto request_host = split_host(host);
  if (!is_loopback(request_host.host)) {
    return false;
  }
  auto scheme = origin.find("://");
  auto origin_rest =
      scheme == std::string_view::npos ? origin : origin.substr(scheme + 3);
  origin_rest = origin_rest.substr(0, origin_rest.find('/'));
  auto origin_host = split_host(origin_rest);
  if (origin_host.host != request_host.host) {
    return true;
  }
  return !origin_host.port.empty() && !request_host.port.empty() &&
         origin_host.port != request_host.port;
}

}  // namespace drover::gateway
