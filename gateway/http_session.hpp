#pragma once

// Internal to the gateway: include only from its .cpp files (Beast inside).

#include <memory>
#include <optional>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/session_context.hpp"

namespace drover::gateway {

/// One HTTP/1.1 connection: reads requests in a keep-alive loop, answers
/// them through the routes, and hands an upgrade to `/ws` over to a
/// websocket_session. Lives on the io thread.
class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(boost::asio::ip::tcp::socket&& socket, session_context& context);

  void run();

 private:
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void do_upgrade();
  void do_write(http_reply reply);
  void on_write(bool close, boost::beast::error_code ec, std::size_t bytes);
  void do_close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  session_context& context_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>>
      parser_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>>
      response_;
};

}  // namespace drover::gateway
