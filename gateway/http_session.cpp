#include "gateway/http_session.hpp"

#include <chrono>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "actors/log.hpp"
#include "gateway/origin_guard.hpp"
#include "gateway/websocket_session.hpp"

namespace drover::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

http_session::http_session(net::ip::tcp::socket&& socket, session_context& context)
    : stream_(std::move(socket)), context_(context) {}

void http_session::run() {
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::do_read() {
  parser_.emplace();
  parser_->body_limit(context_.max_upload_bytes);
  stream_.expires_after(std::chrono::seconds{60});
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) {
    do_close();
    return;
  }
  if (ec == http::error::body_limit) {
    keep_alive_ = false;
    http_reply too_large;
    too_large.status = 413;
    too_large.content_type = "text/plain; charset=utf-8";
    do_write(std::move(too_large));
    return;
  }
  if (ec) {
    actors::logger("gateway")->debug("http read ended error={}", ec.message());
    return;
  }

  const auto& request = parser_->get();
  if (beast::websocket::is_upgrade(request)) {
    do_upgrade();
    return;
  }
  version_ = request.version();
  keep_alive_ = request.keep_alive();

  http_request view;
  view.method = std::string{request.method_string()};
  view.target = std::string{request.target()};
  view.body = request.body();
  view.host = std::string{request[http::field::host]};
  view.origin = std::string{request[http::field::origin]};
  view.content_type = std::string{request[http::field::content_type]};
  handle_request(view, context_.routes, [self = shared_from_this()](http_reply reply) {
    // The answer may come from a CAF or store thread: go back to the io thread.
    net::post(self->stream_.get_executor(), [self, reply = std::move(reply)]() mutable {
      self->do_write(std::move(reply));
    });
  });
}

void http_session::do_upgrade() {
  auto request = parser_->release();
  auto path = route_path(std::string{request.target()});
  bool refused = origin_refused(std::string{request[http::field::host]},
                                std::string{request[http::field::origin]});
  if (path != "/ws" || refused) {
    keep_alive_ = false;
    http_reply no;
    no.status = refused ? 403 : 404;
    no.content_type = "text/plain; charset=utf-8";
    do_write(std::move(no));
    return;
  }
  std::make_shared<websocket_session>(stream_.release_socket(), context_)
      ->run(std::move(request));
}

void http_session::do_write(http_reply reply) {
  response_ = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(reply.status), version_);
  response_->set(http::field::server, "drover");
  response_->set(http::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) {
    response_->set(name, value);
  }
  response_->keep_alive(keep_alive_);
  response_->body() = std::move(reply.body);
  response_->prepare_payload();
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&http_session::on_write, shared_from_this(),
                                              !keep_alive_));
}

void http_session::on_write(bool close, beast::error_code ec, std::size_t) {
  if (ec) {
    actors::logger("gateway")->debug("http write failed error={}", ec.message());
    return;
  }
  response_.reset();
  if (close) {
    do_close();
    return;
  }
  do_read();
}

void http_session::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  // A peer that already went away makes shutdown fail; nothing is left to do.
}

}  // namespace drover::gateway
