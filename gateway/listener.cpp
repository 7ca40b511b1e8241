#include "gateway/listener.hpp"

#include <boost/asio/strand.hpp>

#include "actors/log.hpp"
#include "gateway/http_session.hpp"

namespace drover::gateway {

namespace net = boost::asio;
using tcp = net::ip::tcp;

listener::listener(net::io_context& ioc, session_context& context)
    : ioc_(ioc), acceptor_(ioc), context_(context) {}

actors::result<tcp::endpoint> listener::open(const tcp::endpoint& endpoint) {
  boost::beast::error_code ec;
  auto failed = [&](const char* what) {
    return actors::fail(actors::errc::io_failure,
                        std::string{what} + " " + endpoint.address().to_string() + ":" +
                            std::to_string(endpoint.port()) + ": " + ec.message());
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) {
    return failed("cannot open a socket for");
  }
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) {
    return failed("cannot set reuse_address on");
  }
  acceptor_.bind(endpoint, ec);
  if (ec) {
    return failed("cannot bind");
  }
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return failed("cannot listen on");
  }
  return acceptor_.local_endpoint();
}

void listener::stop() {
  boost::beast::error_code ec;
  acceptor_.close(ec);  // an error on close leaves nothing to undo
}

void listener::do_accept() {
  acceptor_.async_accept(
      net::make_strand(ioc_),
      [self = shared_from_this()](boost::beast::error_code ec, tcp::socket socket) {
        self->on_accept(ec, std::move(socket));
      });
}

void listener::on_accept(boost::beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted) {
    return;  // stopped
  }
  if (ec) {
    actors::logger("gateway")->warn("accept failed error={}", ec.message());
  } else {
    std::make_shared<http_session>(std::move(socket), context_)->run();
  }
  if (acceptor_.is_open()) {
    do_accept();
  }
}

}  // namespace drover::gateway
