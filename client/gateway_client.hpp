#pragma once

// A ComfyUI API client over real sockets: plain HTTP requests and one
// WebSocket. `drover submit` and the farm tests share it. Beast stays inside
// the .cpp; failures come back as values, never as exceptions.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "actors/result.hpp"

namespace drover::client {

/// Where a gateway listens.
struct gateway_address {
  std::string host;
  std::uint16_t port = 0;
};

/// Parses "http://HOST:PORT", "HOST:PORT" or "http://HOST" (port 80). A path
/// after the authority is refused: the API lives at the root. Fails with
/// errc::invalid_input.
actors::result<gateway_address> parse_url(const std::string& url);

/// `text` with every byte but letters, digits and `-_.~` written as `%XX`,
/// for a URL's path or query.
std::string percent_encode(const std::string& text);

/// One HTTP answer, whatever its status.
struct http_response {
  int status = 0;
  std::string content_type;
  std::string body;
};

/// One HTTP/1.1 request on a fresh connection; `content_type` is sent with a
/// non-empty body. Fails with errc::unavailable when the gateway cannot be
/// reached or drops the connection, errc::timeout after `timeout`,
/// errc::protocol on an answer that is not HTTP. A non-2xx status is not a
/// failure here.
actors::result<http_response> http_request(
    const gateway_address& address, const std::string& method, const std::string& target,
    const std::string& body = {},
    std::chrono::milliseconds timeout = std::chrono::seconds{60},
    const std::string& content_type = "application/json");

/// One WebSocket frame as the client received it.
struct ws_frame {
  bool text = true;
  std::string data;
};

/// A WebSocket connected to `/ws?clientId=<client_id>`. Movable, not
/// copyable; one thread at a time.
class ws_client {
 public:
  /// Connects and completes the handshake. Fails with errc::unavailable or
  /// errc::timeout.
  static actors::result<ws_client> connect(
      const gateway_address& address, const std::string& client_id,
      std::chrono::milliseconds timeout = std::chrono::seconds{10});

  ws_client(ws_client&&) noexcept;
  ws_client& operator=(ws_client&&) noexcept;
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;
  ~ws_client();

  /// The next frame; nullopt when none arrives within `timeout`, in which
  /// case the read stays pending and the next call goes on with it (a
  /// websocket read is never cancelled part-way through a frame). Fails with
  /// errc::unavailable once the connection is lost.
  actors::result<std::optional<ws_frame>> next(std::chrono::milliseconds timeout);

  /// Sends a text frame. Fails with errc::unavailable on a lost connection.
  actors::result<void> send_text(const std::string& text);

 private:
  struct state;
  explicit ws_client(std::unique_ptr<state> state);
  std::unique_ptr<state> state_;
};

}  // namespace drover::client
