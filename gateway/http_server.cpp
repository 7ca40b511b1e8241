#include "gateway/http_server.hpp"

#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "actors/log.hpp"
#include "gateway/listener.hpp"

namespace drover::gateway {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct http_server::impl {
  impl(server_options o, coordinator_link& coordinator, file_source& files)
      : options(std::move(o)),
        clients(options.limits),
        routes{coordinator, files, [this] { return clients.queue_remaining(); },
               [this] { return clients.prompt_progress(); }, options.max_upload_bytes},
        context{clients, routes, options.max_upload_bytes, options.client_queue_bytes} {}

  server_options options;
  // Declared before the io_context: sessions still held by its handlers
  // leave the hub when the io_context is destroyed.
  hub clients;
  route_context routes;
  session_context context;
  net::io_context ioc{1};
  std::shared_ptr<listener> acceptor;
  std::thread thread;
  bool stopped = false;
};

http_server::http_server(server_options options, coordinator_link& coordinator,
                         file_source& files)
    : impl_(std::make_unique<impl>(std::move(options), coordinator, files)) {}

http_server::~http_server() {
  stop();
}

actors::result<actors::endpoint> http_server::start() {
  auto& s = *impl_;
  boost::system::error_code ec;
  tcp::resolver resolver{s.ioc};
  auto resolved =
      resolver.resolve(s.options.listen.host, std::to_string(s.options.listen.port),
                       tcp::resolver::passive, ec);
  if (ec || resolved.empty()) {
    return actors::fail(
        actors::errc::invalid_input,
        "cannot resolve listen host " + s.options.listen.host + ": " + ec.message());
  }
  s.acceptor = std::make_shared<listener>(s.ioc, s.context);
  DROVER_TRY(bound, s.acceptor->open(resolved.begin()->endpoint()));
  s.acceptor->run();
  s.thread = std::thread{[&s] {
    s.ioc.run();
  }};
  return actors::endpoint{bound.address().to_string(), bound.port()};
}

void http_server::post(std::function<void(hub&)> work) {
  net::post(impl_->ioc, [s = impl_.get(), work = std::move(work)] { work(s->clients); });
}

void http_server::stop() {
  auto& s = *impl_;
  if (s.stopped) {
    return;
  }
  s.stopped = true;
  if (s.acceptor) {
    net::post(s.ioc, [acceptor = s.acceptor] { acceptor->stop(); });
  }
  s.ioc.stop();
  if (s.thread.joinable()) {
    s.thread.join();
  }
}

}  // namespace drover::gateway
