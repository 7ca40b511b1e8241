#pragma once

// Internal to the gateway: include only from its .cpp files (Beast inside).

#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>

#include "actors/result.hpp"
#include "gateway/session_context.hpp"

namespace drover::gateway {

/// Accepts TCP connections and starts an http_session for each. Lives on
/// the io thread.
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(boost::asio::io_context& ioc, session_context& context);

  /// Opens, binds and listens; fails with errc::io_failure naming the cause
  /// (a port already taken, an address not of this host).
  actors::result<boost::asio::ip::tcp::endpoint> open(
      const boost::asio::ip::tcp::endpoint& endpoint);

  void run() { do_accept(); }

  /// Stops accepting; connections already open are not touched.
  void stop();

 private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  session_context& context_;
};

}  // namespace drover::gateway
