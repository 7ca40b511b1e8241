#include "gateway/websocket_session.hpp"

#include "actors/ids.hpp"
#include "actors/log.hpp"
#include "gateway/client_message.hpp"

namespace drover::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;

websocket_session::websocket_session(net::ip::tcp::socket&& socket,
                                     session_context& context)
    : ws_(std::move(socket)), context_(context) {}

websocket_session::~websocket_session() {
  leave();
}

void websocket_session::run(http::request<http::string_body> request) {
  auto target = std::string{request.target()};
  auto question = target.find('?');
  if (question != std::string::npos) {
    auto query = parse_query(std::string_view{target}.substr(question + 1));
    if (auto it = query.find("clientId"); it != query.end()) {
      client_id_ = it->second;
    }
  }
  if (client_id_.empty()) {
    client_id_ = actors::new_hex_id();
  }
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "drover"); }));
  ws_.read_message_max(1 << 20);
  ws_.async_accept(request, beast::bind_front_handler(&websocket_session::on_accept,
                                                      shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec) {
    actors::logger("gateway")->debug("websocket accept failed error={}", ec.message());
    return;
  }
  context_.clients.join(client_id_, weak_from_this());
  joined_ = true;
  actors::logger("gateway")->info("websocket open client_id={}", client_id_);

  auto status = status_data(context_.clients.queue_remaining());
  status["sid"] = client_id_;
  auto hello = text_message(client_id_, "status", status);
  send(std::make_shared<const std::string>(hello.payload), false);
  // ComfyUI tells a client reconnecting mid-prompt which node runs now.
  if (auto node = context_.clients.running_node_for(client_id_)) {
    auto executing = text_message(client_id_, "executing", json{{"node", *node}});
    send(std::make_shared<const std::string>(executing.payload), false);
  }
  do_read();
}

void websocket_session::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read,
                                                    shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    if (ec != websocket::error::closed) {
      actors::logger("gateway")->debug("websocket read ended client_id={} error={}",
                                       client_id_, ec.message());
    }
    leave();
    return;
  }
  if (first_frame_ && ws_.got_text()) {
    on_first_frame(beast::buffers_to_string(buffer_.data()));
  }
  // Only the first text frame matters to ComfyUI; later ones are ignored.
  first_frame_ = false;
  buffer_.consume(buffer_.size());
  do_read();
}

void websocket_session::on_first_frame(const std::string& text) {
  auto message = json::parse(text, nullptr, false);
  if (!message.is_object() || message.value("type", json()) != "feature_flags") {
    return;
  }
  const auto& data = message.value("data", json::object());
  preview_metadata_ =
      data.is_object() && data.value("supports_preview_metadata", json()) == true;
  auto flags = json::parse(server_features_json(context_.max_upload_bytes));
  auto answer = text_message(client_id_, "feature_flags", flags);
  send(std::make_shared<const std::string>(answer.payload), false);
}

// Previews are never coalesced, though a slow client would be spared the
// older ones: workflows that stream their results as previews (ComfyUI's
// SaveImageWebsocket) need every frame.
void websocket_session::send(std::shared_ptr<const std::string> payload, bool binary) {
  if (closing_) {
    return;
  }
  auto cost = payload->size() + queued_frame_overhead;
  if (!queue_.empty() && queued_bytes_ + cost > context_.client_queue_bytes) {
    actors::logger("gateway")->warn(
        "websocket closed slow client client_id={} queued={} queued_bytes={}", client_id_,
        queue_.size(), queued_bytes_);
    do_close("client too slow: outgoing queue full");
    return;
  }
  queued_bytes_ += cost;
  queue_.emplace_back(std::move(payload), binary);
  if (queue_.size() == 1) {
    do_write();
  }
}

void websocket_session::pop_written() {
  queued_bytes_ -= queue_.front().first->size() + queued_frame_overhead;
  queue_.pop_front();
}

void websocket_session::do_write() {
  ws_.binary(queue_.front().second);
  ws_.async_write(
      net::buffer(*queue_.front().first),
      beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, std::size_t) {
  if (ec) {
    actors::logger("gateway")->debug("websocket write failed client_id={} error={}",
                                     client_id_, ec.message());
    leave();
    return;
  }
  pop_written();
  if (closing_) {
    queue_.clear();
    queued_bytes_ = 0;
    ws_.async_close(
        websocket::close_reason{websocket::close_code::try_again_later, close_reason_},
        beast::bind_front_handler(&websocket_session::on_close, shared_from_this()));
    return;
  }
  if (!queue_.empty()) {
    do_write();
  }
}

void websocket_session::do_close(std::string reason) {
  closing_ = true;
  close_reason_ = std::move(reason);
  leave();
  while (queue_.size() > 1) {
    queued_bytes_ -= queue_.back().first->size() + queued_frame_overhead;
    queue_.pop_back();  // the first is being written
  }
  if (queue_.empty()) {
    ws_.async_close(
        websocket::close_reason{websocket::close_code::try_again_later, close_reason_},
        beast::bind_front_handler(&websocket_session::on_close, shared_from_this()));
  }
}

void websocket_session::on_close(beast::error_code ec) {
  if (ec) {
    actors::logger("gateway")->debug("websocket close failed client_id={} error={}",
                                     client_id_, ec.message());
  }
}

void websocket_session::leave() {
  if (joined_) {
    joined_ = false;
    context_.clients.leave(client_id_, this);
    actors::logger("gateway")->info("websocket closed client_id={}", client_id_);
  }
}

}  // namespace drover::gateway
