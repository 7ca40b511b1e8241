#include "tests/farm/comfy_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace drover::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

http_response http_request(const std::string& host, std::uint16_t port,
                           const std::string& method, const std::string& target,
                           const std::string& body) {
  net::io_context io;
  tcp::resolver resolver{io};
  beast::tcp_stream stream{io};
  stream.connect(resolver.resolve(host, std::to_string(port)));

  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, host + ":" + std::to_string(port));
  if (!body.empty()) {
    request.set(http::field::content_type, "application/json");
    request.body() = body;
  }
  request.prepare_payload();
  http::write(stream, request);

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u << 20);
  http::read(stream, buffer, parser);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

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
};

ws_client::ws_client(const std::string& host, std::uint16_t port,
                     const std::string& client_id)
    : state_(std::make_unique<state>()) {
  tcp::resolver resolver{state_->io};
  net::connect(state_->socket.next_layer(), resolver.resolve(host, std::to_string(port)));
  state_->socket.handshake(host + ":" + std::to_string(port),
                           "/ws?clientId=" + client_id);
}

ws_client::~ws_client() {
  beast::error_code ignored;
  state_->socket.close(websocket::close_code::normal, ignored);
}

std::optional<ws_frame> ws_client::next(std::chrono::milliseconds timeout) {
  // Sync reads cannot time out, so the read runs asynchronously and the
  // io_context runs for at most `timeout`.
  bool done = false;
  beast::error_code error;
  state_->buffer.clear();
  state_->socket.async_read(state_->buffer, [&](beast::error_code ec, std::size_t) {
    done = true;
    error = ec;
  });
  state_->io.restart();
  state_->io.run_for(timeout);
  if (!done) {
    state_->socket.next_layer().cancel();
    state_->io.restart();
    state_->io.run();
    return std::nullopt;
  }
  if (error) {
    throw beast::system_error{error};
  }
  ws_frame frame;
  frame.text = state_->socket.got_text();
  frame.data = beast::buffers_to_string(state_->buffer.data());
  return frame;
}

void ws_client::send_text(const std::string& text) {
  state_->socket.text(true);
  state_->socket.write(net::buffer(text));
}

}  // namespace drover::test
