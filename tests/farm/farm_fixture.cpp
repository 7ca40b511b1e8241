#include "tests/farm/farm_fixture.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdlib.h>

#include <doctest/doctest.h>

namespace drover::test {

namespace {

std::string make_data_dir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "drover-farm-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

cli::local_farm start_farm(const std::string& data_dir, std::uint32_t workers,
                           bool testing_nodes) {
  cli::local_farm_options options;
  options.enable_testing_nodes = testing_nodes;
  options.binary = DROVER_BINARY;
  options.gateway_port = 0;
  options.workers = workers;
  options.data_dir = data_dir;
  options.log_level = "warn";
  auto farm = cli::local_farm::start(options);
  REQUIRE_MESSAGE(farm.has_value(), actors::describe(farm.error()));
  return std::move(farm.value());
}

}  // namespace

farm_fixture::farm_fixture(std::uint32_t workers, bool testing_nodes)
    : data_dir_(make_data_dir()), farm_(start_farm(data_dir_, workers, testing_nodes)) {
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
  return http_request(host_, port_, "GET", target);
}

http_response farm_fixture::post(const std::string& target, const std::string& body) {
  return http_request(host_, port_, "POST", target, body);
}

json farm_fixture::post_json(const std::string& target, const json& body,
                             int expected_status) {
  auto response = post(target, body.dump());
  CHECK(response.status == expected_status);
  auto parsed = json::parse(response.body, nullptr, false);
  REQUIRE_MESSAGE(!parsed.is_discarded(), "not JSON: " << response.body);
  return parsed;
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
