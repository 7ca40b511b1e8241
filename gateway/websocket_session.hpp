#pragma once

// Internal to the gateway: include only from its .cpp files (Beast inside).

#include <deque>
#include <memory>
#include <string>
#include <utility>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "gateway/session_context.hpp"

namespace drover::gateway {

/// One ComfyUI WebSocket (`/ws?clientId=`, comfyui-protocol.md §4.1): sends
/// `status` with its `sid` first, answers a first `feature_flags` frame,
/// ignores everything else the client sends, and writes what the hub routes
/// to it through a queue bounded in bytes. A client too slow for that queue is
/// closed with a reason, never skipped silently. Lives on the io thread.
class websocket_session : public client_socket,
                          public std::enable_shared_from_this<websocket_session> {
 public:
  websocket_session(boost::asio::ip::tcp::socket&& socket, session_context& context);
  ~websocket_session() override;

  /// Accepts the upgrade `request` and starts the session.
  void run(boost::beast::http::request<boost::beast::http::string_body> request);

  void send(std::shared_ptr<const std::string> payload, bool binary) override;
  bool wants_preview_metadata() const override { return preview_metadata_; }

 private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void on_first_frame(const std::string& text);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void pop_written();
  void do_close(std::string reason);
  void on_close(boost::beast::error_code ec);
  void leave();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  session_context& context_;
  std::string client_id_;
  std::deque<std::pair<std::shared_ptr<const std::string>, bool>> queue_;
  std::size_t queued_bytes_ = 0;  ///< payloads plus queued_frame_overhead each
  bool joined_ = false;
  bool first_frame_ = true;
  bool preview_metadata_ = false;
  bool closing_ = false;
  std::string close_reason_;
};

}  // namespace drover::gateway
