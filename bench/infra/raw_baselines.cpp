#include "bench/infra/raw_baselines.hpp"

#include <chrono>
#include <string>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <zmq.hpp>

#include "client/gateway_client.hpp"

namespace drover::bench {

namespace {

using clock = std::chrono::steady_clock;
namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

constexpr char probe_tag = 'p';
constexpr char data_tag = 'd';

double seconds_between(clock::time_point from, clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

/// PUB/SUB drops what is sent before the subscription reached the
/// publisher (the "slow joiner"): probe until one arrives, then drain.
void await_subscription(zmq::socket_t& pub, zmq::socket_t& sub) {
  sub.set(zmq::sockopt::rcvtimeo, 10);
  zmq::message_t in;
  while (true) {
    pub.send(zmq::buffer(&probe_tag, 1), zmq::send_flags::none);
    if (sub.recv(in)) {
      break;
    }
  }
  sub.set(zmq::sockopt::rcvtimeo, 200);
  while (sub.recv(in)) {
  }
  sub.set(zmq::sockopt::rcvtimeo, 60000);
}

}  // namespace

actors::result<delivery_rate> raw_zmq_rate(std::size_t count, std::size_t bytes) {
  zmq::context_t context;
  zmq::socket_t pub{context, zmq::socket_type::pub};
  zmq::socket_t sub{context, zmq::socket_type::sub};
  pub.set(zmq::sockopt::sndhwm, 0);
  sub.set(zmq::sockopt::rcvhwm, 0);
  pub.bind("tcp://127.0.0.1:*");
  sub.connect(pub.get(zmq::sockopt::last_endpoint));
  sub.set(zmq::sockopt::subscribe, "");
  await_subscription(pub, sub);

  std::thread sender{[&pub, count, bytes] {
    std::string payload(bytes, 'x');
    payload[0] = data_tag;
    for (std::size_t i = 0; i < count; ++i) {
      pub.send(zmq::buffer(payload), zmq::send_flags::none);
    }
  }};

  delivery_rate rate;
  clock::time_point first;
  clock::time_point last;
  zmq::message_t in;
  while (rate.received < count && sub.recv(in)) {
    last = clock::now();
    if (rate.received == 0) {
      first = last;
    }
    if (in.size() == bytes && in.data<char>()[0] == data_tag) {
      ++rate.received;
    }
  }
  sender.join();
  rate.seconds = seconds_between(first, last);
  if (rate.received < count) {
    return actors::fail(actors::errc::timeout, "zmq subscriber received " +
                                                   std::to_string(rate.received) +
                                                   " of " + std::to_string(count));
  }
  return rate;
}

namespace {

/// Accepts one WebSocket client on `acceptor` and sends it `count` frames.
void serve_frames(tcp::acceptor& acceptor, std::size_t count, std::size_t bytes) {
  boost::beast::error_code ec;
  websocket::stream<tcp::socket> ws{acceptor.accept(ec)};
  if (!ec) {
    ws.accept(ec);
  }
  ws.text(true);
  std::string payload(bytes, 'x');
  for (std::size_t i = 0; i < count && !ec; ++i) {
    ws.write(net::buffer(payload), ec);
  }
  // A failed send shows as missing frames at the client, which fails the rep.
  // No closing handshake: the client may already be gone, and waiting for
  // its close frame would hold this thread.
  ws.next_layer().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace

actors::result<delivery_rate> raw_ws_rate(std::size_t count, std::size_t bytes) {
  net::io_context io;
  tcp::acceptor acceptor{io, {net::ip::make_address("127.0.0.1"), 0}};
  std::thread server{[&] {
    serve_frames(acceptor, count, bytes);
  }};

  auto finish = [&](auto outcome) {
    server.join();
    return outcome;
  };
  client::gateway_address address{"127.0.0.1", acceptor.local_endpoint().port()};
  auto ws = client::ws_client::connect(address, "baseline");
  if (!ws) {
    acceptor.close();
    return finish(actors::result<delivery_rate>{ws.error()});
  }

  delivery_rate rate;
  clock::time_point first;
  clock::time_point last;
  while (rate.received < count) {
    auto frame = ws.value().next(std::chrono::seconds{10});
    if (!frame || !frame.value()) {
      break;
    }
    last = clock::now();
    if (rate.received == 0) {
      first = last;
    }
    if (frame.value()->data.size() == bytes) {
      ++rate.received;
    }
  }
  rate.seconds = seconds_between(first, last);
  if (rate.received < count) {
    return finish(actors::result<delivery_rate>{
        actors::fail(actors::errc::unavailable, "WebSocket client received " +
                                                    std::to_string(rate.received) +
                                                    " of " + std::to_string(count))});
  }
  return finish(actors::result<delivery_rate>{rate});
}

}  // namespace drover::bench
