#include "cli/status_command.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <unistd.h>

#include "actors/json.hpp"
#include "actors/termination.hpp"
#include "cli/status_view.hpp"
#include "client/gateway_client.hpp"

namespace drover::cli {

namespace {

constexpr std::chrono::seconds refresh{1};
constexpr std::chrono::seconds request_timeout{10};

/// One answer of the status endpoint, or a line for stderr.
actors::result<json> fetch_status(const client::gateway_address& address) {
  DROVER_TRY(response,
             client::http_request(address, "GET", "/drover/status", {}, request_timeout));
  if (response.status != 200) {
    return actors::fail(
        actors::errc::unavailable,
        "the gateway answered " + std::to_string(response.status) + ": " + response.body);
  }
  auto status = json::parse(response.body, nullptr, false);
  if (!status.is_object()) {
    return actors::fail(actors::errc::protocol, "the gateway's status is not JSON");
  }
  return status;
}

int print_once(const client::gateway_address& address, const status_options& options) {
  auto status = fetch_status(address);
  if (!status) {
    std::fprintf(stderr, "drover status: %s\n", actors::describe(status.error()).c_str());
    return 1;
  }
  if (options.json) {
    std::cout << status.value().dump() << std::endl;
  } else {
    std::cout << render_status(status.value()) << std::flush;
  }
  return 0;
}

}  // namespace

int run_status(const status_options& options) {
  auto address = client::parse_url(options.url);
  if (!address) {
    std::fprintf(stderr, "drover status: %s\n",
                 actors::describe(address.error()).c_str());
    return 2;
  }
  if (!options.watch) {
    return print_once(address.value(), options);
  }
  bool terminal = isatty(STDOUT_FILENO) != 0 && !options.json;
  int code = 0;
  while (true) {
    if (terminal) {
      std::cout << "\x1b[H\x1b[2J";  // home, clear screen
    }
    code = print_once(address.value(), options);
    if (actors::wait_for_termination_signal_for(refresh) != 0) {
      return code;
    }
  }
}

}  // namespace drover::cli
