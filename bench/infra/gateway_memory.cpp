#include "bench/infra/gateway_memory.hpp"

#include <chrono>
#include <filesystem>
#include <sys/resource.h>
#include <vector>

#include "bench/infra/bare_farm.hpp"
#include "bench/infra/coordinator_load.hpp"

namespace drover::bench {

namespace {

/// Each client holds a socket here and one in the gateway, which inherits
/// this process's limit.
actors::result<void> raise_open_file_limit(std::size_t needed) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return actors::fail(actors::errc::io_failure, "getrlimit failed");
  }
  if (limit.rlim_cur >= needed) {
    return actors::ok();
  }
  if (limit.rlim_max < needed) {
    return actors::fail(actors::errc::unavailable,
                        "open file limit " + std::to_string(limit.rlim_max) +
                            " is below " + std::to_string(needed));
  }
  limit.rlim_cur = needed;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return actors::fail(actors::errc::io_failure, "setrlimit failed");
  }
  return actors::ok();
}

/// Lets the gateway write what it sends a new socket (its `status`), so that
/// RSS is read with every session settled.
actors::result<void> read_greeting(client::ws_client& ws) {
  DROVER_TRY(frame, ws.next(std::chrono::seconds{10}));
  if (!frame) {
    return actors::fail(actors::errc::timeout, "no status from the gateway in 10 s");
  }
  return actors::ok();
}

}  // namespace

actors::result<gateway_rss> gateway_rss_with_clients(const std::string& binary,
                                                     std::size_t clients) {
  DROVER_TRYV(raise_open_file_limit(2 * clients + 256));
  std::string data_dir =
      (std::filesystem::temp_directory_path() / "drover-bench-gw-XXXXXX").string();
  if (!::mkdtemp(data_dir.data())) {
    return actors::fail(actors::errc::io_failure, "cannot create a temp folder");
  }
  auto result = [&]() -> actors::result<gateway_rss> {
    DROVER_TRY(farm, start_bare_farm(binary, data_dir));
    gateway_rss rss;
    DROVER_TRY(before, rss_mib(farm.gateway.pid()));
    rss.before_mib = before;
    std::vector<client::ws_client> sockets;
    for (std::size_t i = 0; i < clients; ++i) {
      DROVER_TRY(ws,
                 client::ws_client::connect(farm.address, "idle-" + std::to_string(i)));
      DROVER_TRYV(read_greeting(ws));
      sockets.push_back(std::move(ws));
    }
    DROVER_TRY(after, rss_mib(farm.gateway.pid()));
    rss.after_mib = after;
    return rss;
  }();
  std::error_code ignored;  // a leftover temp folder is harmless
  std::filesystem::remove_all(data_dir, ignored);
  return result;
}

}  // namespace drover::bench
