#include "tests/farm/farm_fixture.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdlib.h>

#include <doctest/doctest.h>

#include "client/multipart_form.hpp"

namespace drover::test {

namespace {

std::string make_data_dir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "drover-farm-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

cli::local_farm start_farm(const std::string& data_dir, cli::local_farm_options options) {
  options.binary = DROVER_BINARY;
  options.gateway_port = 0;
  options.data_dir = data_dir;
  // DROVER_TEST_LOG_LEVEL=info shows every process's log when a test fails.
  const char* level = std::getenv("DROVER_TEST_LOG_LEVEL");
  options.log_level = level != nullptr ? level : "warn";
  auto farm = cli::local_farm::start(options);
  REQUIRE_MESSAGE(farm.has_value(), actors::describe(farm.error()));
  return std::move(farm.value());
}

cli::local_farm_options layout(std::uint32_t workers, bool testing_nodes) {
  cli::local_farm_options options;
  options.workers = workers;
  options.enable_testing_nodes = testing_nodes;
  return options;
}

}  // namespace

farm_fixture::farm_fixture(std::uint32_t workers, bool testing_nodes)
    : farm_fixture(layout(workers, testing_nodes)) {}

farm_fixture::farm_fixture(cli::local_farm_options options)
    : data_dir_(make_data_dir()), farm_(start_farm(data_dir_, std::move(options))) {
  const auto& endpoint = farm_.gateway_endpoint();
  auto colon = endpoint.rfind(':');
  host_ = endpoint.substr(0, colon);
  port_ = static_cast<std::uint16_t>(std::stoi(endpoint.substr(colon + 1)));
}

farm_fixture::~farm_fixture() {
  farm_.stop();
  std::error_code ignored;
  std::filesystem::remove_all(data_dir_, ignored);
}

http_response farm_fixture::get(const std::string& target) {
  auto response = client::http_request(address(), "GET", target);
  REQUIRE_MESSAGE(response.has_value(), actors::describe(response.error()));
  return std::move(response.value());
}

http_response farm_fixture::post(const std::string& target, const std::string& body) {
  auto response = client::http_request(address(), "POST", target, body);
  REQUIRE_MESSAGE(response.has_value(), actors::describe(response.error()));
  return std::move(response.value());
}

http_response farm_fixture::upload(const std::string& filename, const std::string& bytes,
                                   const std::string& subfolder) {
  client::multipart_form form;
  form.add_file("image", filename, bytes);
  form.add_field("subfolder", subfolder);
  auto response = client::http_request(address(), "POST", "/upload/image", form.body(),
                                       std::chrono::seconds{60}, form.content_type());
  REQUIRE_MESSAGE(response.has_value(), actors::describe(response.error()));
  return std::move(response.value());
}

json farm_fixture::post_json(const std::string& target, const json& body,
                             int expected_status) {
  auto response = post(target, body.dump());
  CHECK(response.status == expected_status);
  auto parsed = json::parse(response.body, nullptr, false);
  REQUIRE_MESSAGE(!parsed.is_discarded(), "not JSON: " << response.body);
  return parsed;
}

ws_client farm_fixture::connect_ws(const std::string& client_id) {
  auto ws = ws_client::connect(address(), client_id);
  REQUIRE_MESSAGE(ws.has_value(), actors::describe(ws.error()));
  return std::move(ws.value());
}

std::optional<ws_frame> next_frame(ws_client& ws, std::chrono::milliseconds timeout) {
  auto frame = ws.next(timeout);
  REQUIRE_MESSAGE(frame.has_value(), actors::describe(frame.error()));
  return std::move(frame.value());
}

json load_json_file(const std::string& path) {
  std::ifstream in{path};
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

std::vector<json> load_session(const std::string& name) {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/comfyui-v0.8.0/" + name};
  REQUIRE_MESSAGE(in.good(), "cannot open recorded session " << name);
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      lines.push_back(json::parse(line));
    }
  }
  return lines;
}

}  // namespace drover::test
