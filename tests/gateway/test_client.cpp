#include "tests/gateway/test_client.hpp"

#include <algorithm>
#include <cctype>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace drover::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

http_result http_call(std::uint16_t port, const std::string& method,
                      const std::string& target, const std::string& body,
                      const std::map<std::string, std::string>& headers) {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  stream.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
  stream.expires_after(std::chrono::seconds{10});
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [name, value] : headers) {
    request.set(name, value);
  }
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request);

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1u << 30);
  http::read(stream, buffer, parser);
  auto response = parser.release();
  http_result result;
  result.status = response.result_int();
  for (const auto& field : response) {
    std::string name{field.name_string()};
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    result.headers[name] = std::string{field.value()};
  }
  result.body = response.body();
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return result;
}

struct ws_connection::state {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
};

ws_connection::ws_connection(std::uint16_t port, const std::string& client_id)
    : state_(std::make_unique<state>()) {
  auto& s = *state_;
  beast::get_lowest_layer(s.ws).connect(
      tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
  s.ws.handshake("127.0.0.1:" + std::to_string(port),
                 client_id.empty() ? "/ws" : "/ws?clientId=" + client_id);
}

ws_connection::~ws_connection() {
  beast::error_code ec;
  state_->ws.close(websocket::close_code::normal, ec);
}

std::optional<ws_frame> ws_connection::next(std::chrono::milliseconds timeout) {
  auto& s = *state_;
  std::optional<ws_frame> frame;
  beast::error_code result = net::error::would_block;
  s.buffer.clear();
  s.ws.async_read(s.buffer, [&](beast::error_code ec, std::size_t) { result = ec; });
  s.ioc.restart();
  s.ioc.run_for(timeout);
  if (result == net::error::would_block) {
    // Nothing within the timeout: the read is cancelled by closing the
    // socket, which ends this connection.
    beast::get_lowest_layer(s.ws).cancel();
    s.ioc.restart();
    s.ioc.run();
    return std::nullopt;
  }
  if (result) {
    return std::nullopt;
  }
  frame = ws_frame{s.ws.got_text(), beast::buffers_to_string(s.buffer.data())};
  return frame;
}

void ws_connection::send_text(const std::string& text) {
  state_->ws.text(true);
  state_->ws.write(net::buffer(text));
}

void fake_coordinator::submit(actors::submit_prompt request,
                              gateway::submit_callback done) {
  actors::submit_reply reply;
  {
    std::lock_guard lock{mutex};
    submitted.push_back(request);
    reply = next_reply;
  }
  if (reply.prompt_id.empty()) {
    reply.prompt_id = request.prompt_id;
  }
  done(reply);
}

void fake_coordinator::history(actors::history_query query, gateway::text_callback done) {
  std::optional<std::string> all;
  {
    std::lock_guard lock{mutex};
    history_queries.push_back(query);
    all = history_json;
  }
  if (!all) {
    done(std::string{query.prompt_id.empty() ? "{\"h\":1}" : "{}"});
    return;
  }
  auto entries = nlohmann::json::parse(*all);
  if (query.prompt_id.empty()) {
    done(entries.dump());
    return;
  }
  auto one = nlohmann::json::object();
  if (entries.contains(query.prompt_id)) {
    one[query.prompt_id] = entries[query.prompt_id];
  }
  done(one.dump());
}

void fake_coordinator::queue(gateway::text_callback done) {
  std::string text;
  {
    std::lock_guard lock{mutex};
    text = queue_json;
  }
  done(text);
}

void fake_coordinator::catalog(gateway::text_callback done) {
  std::string text;
  {
    std::lock_guard lock{mutex};
    text = catalog_json;
  }
  done(text);
}

void fake_coordinator::farm(gateway::text_callback done) {
  std::string text;
  {
    std::lock_guard lock{mutex};
    text = farm_json;
  }
  done(text);
}

void fake_coordinator::status(gateway::text_callback done) {
  std::string text;
  {
    std::lock_guard lock{mutex};
    text = status_json;
  }
  done(text);
}

void fake_coordinator::edit_queue(actors::queue_edit edit, gateway::text_callback done) {
  {
    std::lock_guard lock{mutex};
    queue_edits.push_back(edit);
  }
  done(std::string{"{}"});
}

void fake_coordinator::edit_history(actors::history_edit, gateway::text_callback done) {
  done(std::string{"{}"});
}

void fake_coordinator::interrupt(actors::interrupt_prompt request,
                                 gateway::text_callback done) {
  {
    std::lock_guard lock{mutex};
    interrupts.push_back(request);
  }
  done(std::string{"{}"});
}

void fake_coordinator::free(actors::free_memory request, gateway::text_callback done) {
  {
    std::lock_guard lock{mutex};
    frees.push_back(request);
  }
  done(std::string{"{}"});
}

void memory_files::fetch(actors::store_file file, gateway::file_callback done) {
  std::string key = file.type + "/" + file.subfolder + "/" + file.filename;
  std::optional<std::string> bytes;
  {
    std::lock_guard lock{mutex_};
    if (auto it = files_.find(key); it != files_.end()) {
      bytes = it->second;
    }
  }
  if (!bytes) {
    done(actors::fail(actors::errc::not_found, "no such file " + key));
    return;
  }
  done(std::move(*bytes));
}

void memory_files::put(const actors::store_file& file, std::string bytes) {
  std::lock_guard lock{mutex_};
  files_[file.type + "/" + file.subfolder + "/" + file.filename] = std::move(bytes);
}

void memory_files::store(actors::store_file file, std::string bytes,
                         gateway::stored_callback done) {
  put(file, std::move(bytes));
  done(actors::ok());
}

std::optional<std::string> memory_files::find(const actors::store_file& file) {
  std::lock_guard lock{mutex_};
  auto it = files_.find(file.type + "/" + file.subfolder + "/" + file.filename);
  if (it == files_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::size_t memory_files::size() {
  std::lock_guard lock{mutex_};
  return files_.size();
}

}  // namespace drover::test
