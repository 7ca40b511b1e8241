#include "client/gateway_client.hpp"

#include <cctype>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace drover::client {

std::string percent_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using actors::errc;
using actors::fail;

namespace {

/// Runs `io` until `done` or `timeout`; on a timeout cancels `socket` and
/// drains the cancelled handlers so that the io_context can be reused. The
/// operation may still complete while draining: callers look at its error.
template <class Socket>
void run_until(net::io_context& io, const bool& done, Socket& socket,
               std::chrono::milliseconds timeout) {
  io.restart();
  io.run_for(timeout);
  if (done) {
    return;
  }
  beast::error_code ignored;
  socket.cancel(ignored);
  io.restart();
  io.run();
}

actors::error transport_error(const std::string& what, const beast::error_code& ec) {
  return fail(errc::unavailable, what + ": " + ec.message());
}

std::string authority(const gateway_address& address) {
  return address.host + ":" + std::to_string(address.port);
}

}  // namespace

actors::result<gateway_address> parse_url(const std::string& url) {
  std::string rest = url;
  const std::string scheme = "http://";
  if (rest.rfind(scheme, 0) == 0) {
    rest = rest.substr(scheme.size());
  } else if (rest.find("://") != std::string::npos) {
    return fail(errc::invalid_input, "only http:// gateways are supported: " + url);
  }
  while (!rest.empty() && rest.back() == '/') {
    rest.pop_back();
  }
  if (rest.empty() || rest.find('/') != std::string::npos) {
    return fail(errc::invalid_input, "expected http://HOST:PORT, got " + url);
  }

  gateway_address address;
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) {
    address.host = rest;
    address.port = 80;
    return address;
  }
  address.host = rest.substr(0, colon);
  const std::string port = rest.substr(colon + 1);
  char* end = nullptr;
  long value = std::strtol(port.c_str(), &end, 10);
  if (address.host.empty() || port.empty() || *end != '\0' || value < 1 ||
      value > 65535) {
    return fail(errc::invalid_input, "expected http://HOST:PORT, got " + url);
  }
  address.port = static_cast<std::uint16_t>(value);
  return address;
}

actors::result<http_response> http_request(const gateway_address& address,
                                           const std::string& method,
                                           const std::string& target,
                                           const std::string& body,
                                           std::chrono::milliseconds timeout,
                                           const std::string& content_type) {
  net::io_context io;
  tcp::resolver resolver{io};
  beast::tcp_stream stream{io};
  beast::error_code ec;
  auto endpoints = resolver.resolve(address.host, std::to_string(address.port), ec);
  if (ec) {
    return transport_error("cannot resolve " + address.host, ec);
  }

  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, authority(address));
  if (!body.empty()) {
    request.set(http::field::content_type, content_type);
    request.body() = body;
  }
  request.prepare_payload();

  // One deadline for the whole exchange: tcp_stream's timer covers connect,
  // write and read.
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1u << 30);
  stream.expires_after(timeout);
  bool done = false;
  stream.async_connect(endpoints, [&](beast::error_code connect_ec, auto) {
    if (connect_ec) {
      ec = connect_ec;
      done = true;
      return;
    }
    http::async_write(stream, request, [&](beast::error_code write_ec, std::size_t) {
      if (write_ec) {
        ec = write_ec;
        done = true;
        return;
      }
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code read_ec, std::size_t) {
                         ec = read_ec;
                         done = true;
                       });
    });
  });
  io.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

  if (ec == beast::error::timeout) {
    return fail(errc::timeout, method + " " + target + ": no answer in time");
  }
  if (ec == http::error::bad_version || ec == http::error::bad_status ||
      ec == http::error::bad_field || ec == http::error::body_limit) {
    return fail(errc::protocol, method + " " + target + ": " + ec.message());
  }
  if (ec) {
    return transport_error(method + " " + target, ec);
  }
  const auto& response = parser.get();
  http_response out;
  out.status = static_cast<int>(response.result_int());
  out.content_type = std::string{response[http::field::content_type]};
  out.body = response.body();
  return out;
}

struct ws_client::state {
  net::io_context io;
  websocket::stream<tcp::socket> socket{io};
  beast::flat_buffer buffer;
  // One read stays in flight across calls to next(): cancelling a websocket
  // read part-way through a frame can leave the stream unable to read again.
  bool reading = false;
  bool ready = false;
  beast::error_code read_error;
};

ws_client::ws_client(std::unique_ptr<state> state) : state_(std::move(state)) {}
ws_client::ws_client(ws_client&&) noexcept = default;
ws_client& ws_client::operator=(ws_client&&) noexcept = default;

ws_client::~ws_client() {
  if (!state_ || !state_->socket.is_open()) {
    return;
  }
  // Closing politely would wait for the peer; a client going away only
  // needs the socket gone.
  beast::error_code ignored;
  state_->socket.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  state_->socket.next_layer().close(ignored);
}

actors::result<ws_client> ws_client::connect(const gateway_address& address,
                                             const std::string& client_id,
                                             std::chrono::milliseconds timeout) {
  auto s = std::make_unique<state>();
  tcp::resolver resolver{s->io};
  beast::error_code ec;
  auto endpoints = resolver.resolve(address.host, std::to_string(address.port), ec);
  if (ec) {
    return transport_error("cannot resolve " + address.host, ec);
  }

  bool done = false;
  auto& socket = s->socket;
  net::async_connect(
      socket.next_layer(), endpoints, [&](beast::error_code connect_ec, auto) {
        if (connect_ec) {
          ec = connect_ec;
          done = true;
          return;
        }
        socket.async_handshake(authority(address), "/ws?clientId=" + client_id,
                               [&](beast::error_code handshake_ec) {
                                 ec = handshake_ec;
                                 done = true;
                               });
      });
  run_until(s->io, done, socket.next_layer(), timeout);
  if (!done || ec == net::error::operation_aborted) {
    return fail(errc::timeout,
                "WebSocket handshake with " + authority(address) + " took too long");
  }
  if (ec) {
    return transport_error("WebSocket to " + authority(address), ec);
  }
  return ws_client{std::move(s)};
}

actors::result<std::optional<ws_frame>> ws_client::next(
    std::chrono::milliseconds timeout) {
  auto* s = state_.get();
  if (!s->reading && !s->ready) {
    s->buffer.clear();
    s->reading = true;
    s->socket.async_read(s->buffer, [s](beast::error_code ec, std::size_t) {
      s->reading = false;
      s->ready = true;
      s->read_error = ec;
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  s->io.restart();
  while (!s->ready && s->io.run_one_until(deadline) > 0) {
  }
  if (!s->ready) {
    return std::optional<ws_frame>{};  // the read stays pending for the next call
  }

  s->ready = false;
  if (s->read_error) {
    return transport_error("WebSocket read", s->read_error);
  }
  ws_frame frame;
  frame.text = s->socket.got_text();
  frame.data = beast::buffers_to_string(s->buffer.data());
  return std::optional<ws_frame>{std::move(frame)};
}

actors::result<void> ws_client::send_text(const std::string& text) {
  beast::error_code ec;
  state_->socket.text(true);
  state_->socket.write(net::buffer(text), ec);
  if (ec) {
    return transport_error("WebSocket write", ec);
  }
  return actors::ok();
}

}  // namespace drover::client
