#pragma once

// A minimal ComfyUI client for the farm tests: plain HTTP requests and one
// WebSocket, over real loopback sockets. Beast stays inside the .cpp.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace drover::test {

struct http_response {
  int status = 0;
  std::string content_type;
  std::string body;
};

/// One HTTP/1.1 request on a fresh connection. Throws on a transport error
/// (the test fails with the message).
http_response http_request(const std::string& host, std::uint16_t port,
                           const std::string& method, const std::string& target,
                           const std::string& body = {});

/// One WebSocket frame as the client received it.
struct ws_frame {
  bool text = true;
  std::string data;
};

/// A WebSocket client connected to `/ws?clientId=<client_id>`.
class ws_client {
 public:
  ws_client(const std::string& host, std::uint16_t port, const std::string& client_id);
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// The next frame, or nullopt when none arrives within `timeout`.
  std::optional<ws_frame> next(std::chrono::milliseconds timeout);

  /// Sends a text frame.
  void send_text(const std::string& text);

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace drover::test
