#pragma once

// Starts a real local farm (coordinator, workers and gateway as separate
// processes of the built `drover` binary, on loopback ports the kernel
// picks) in a fresh data folder, and stops it at the end of the test.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "actors/json.hpp"
#include "cli/local_farm.hpp"
#include "client/gateway_client.hpp"

namespace drover::test {

using client::http_response;
using client::ws_client;
using client::ws_frame;

class farm_fixture {
 public:
  /// Starts `workers` workers, with drover's testing nodes when `testing_nodes`.
  explicit farm_fixture(std::uint32_t workers = 2, bool testing_nodes = false);
  /// Starts a farm laid out by `options`; the fixture sets its binary, data
  /// folder, gateway port and log level.
  explicit farm_fixture(cli::local_farm_options options);
  ~farm_fixture();

  cli::local_farm& farm() { return farm_; }
  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }

  /// The gateway's address for the client library.
  client::gateway_address address() const { return {host_, port_}; }

  /// HTTP requests to the gateway; a transport failure fails the test.
  http_response get(const std::string& target);
  http_response post(const std::string& target, const std::string& body);
  /// POSTs `bytes` to /upload/image as a client's file named `filename`,
  /// into `subfolder` of the input folder.
  http_response upload(const std::string& filename, const std::string& bytes,
                       const std::string& subfolder = "");
  /// POSTs `body` and parses the JSON answer; fails the test on a non-JSON answer.
  json post_json(const std::string& target, const json& body, int expected_status);

  /// A WebSocket to the gateway as client `client_id`; fails the test when
  /// it cannot connect.
  ws_client connect_ws(const std::string& client_id);

 private:
  std::string data_dir_;
  cli::local_farm farm_;
  std::string host_;
  std::uint16_t port_ = 0;
};

/// The next frame of `ws`, or nullopt after `timeout`; a lost connection
/// fails the test.
std::optional<ws_frame> next_frame(ws_client& ws, std::chrono::milliseconds timeout);

/// The JSON file `name` from tests/data or examples/, parsed.
json load_json_file(const std::string& path);

/// Every line of a recorded session, parsed.
std::vector<json> load_session(const std::string& name);

}  // namespace drover::test
