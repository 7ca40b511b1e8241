#include "coordinator/prompt_validator.hpp"

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "actors/prompt_request.hpp"
#include "tests/support/chain_prompt.hpp"

namespace drover::coordinator {

namespace {

const std::string data_dir = std::string{DROVER_TEST_DATA_DIR} + "/comfyui-v0.8.0/";

json load_catalog() {
  std::ifstream in{data_dir + "object_info_subset.json"};
  return json::parse(in);
}

/// Every `POST /prompt` of a recorded session: request and answer.
std::vector<nlohmann::json> recorded_posts(
    const std::string& session = "c_errors.jsonl") {
  std::ifstream in{data_dir + session};
  std::vector<nlohmann::json> posts;
  std::string line;
  while (std::getline(in, line)) {
    auto record = nlohmann::json::parse(line);
    if (record["src"] == "http" && record["method"] == "POST" &&
        record["path"] == "/prompt") {
      posts.push_back(std::move(record));
    }
  }
  return posts;
}

/// The recorder replaced ComfyUI's install folder with "@REF/"; drover's
/// frames name "ComfyUI/execution.py" directly.
nlohmann::json normalised(nlohmann::json value) {
  if (value.is_string()) {
    auto text = value.get<std::string>();
    for (auto at = text.find("@REF/"); at != std::string::npos; at = text.find("@REF/")) {
      text.erase(at, 5);
    }
    return text;
  }
  if (value.is_structured()) {
    for (auto& item : value) {
      item = normalised(item);
    }
  }
  return value;
}

/// Order-insensitive comparison: the recording sorted its keys.
nlohmann::json plain(const json& value) {
  return nlohmann::json::parse(value.dump());
}

validation_result validate(
    const json& prompt, std::optional<std::vector<std::string>> targets = std::nullopt) {
  static const json catalog = load_catalog();
  validation_context context;
  context.catalog = &catalog;
  return validate_prompt(prompt, context, targets);
}

json chain(int length) {
  return test::chain_prompt(length, 8);
}

}  // namespace

TEST_CASE("every recorded POST /prompt gets ComfyUI's status and body") {
  auto posts = recorded_posts();
  REQUIRE(posts.size() == 16);  // the run-time failure plus 15 validation cases
  for (const auto& post : posts) {
    INFO("request: " << post["req"].dump());
    auto parsed = actors::parse_prompt_request(post["req"].dump());
    if (!parsed) {
      CHECK(post["status"] == 400);
      CHECK(plain(parsed.error().to_json()) == post["resp"]);
      continue;
    }
    auto result =
        validate(parsed.value().prompt, parsed.value().partial_execution_targets);
    if (!result) {
      CHECK(post["status"] == 400);
      CHECK(plain(result.error().to_json()) == normalised(post["resp"]));
      continue;
    }
    CHECK(post["status"] == 200);
    CHECK(plain(result.value().node_errors) == post["resp"]["node_errors"]);
    CHECK_FALSE(result.value().outputs.empty());
  }
}

TEST_CASE("every prompt ComfyUI accepted in the other sessions is accepted alike") {
  std::size_t checked = 0;
  for (const auto* session :
       {"a_normal_run.jsonl", "b_cached_rerun.jsonl", "d_interrupt.jsonl",
        "e_two_clients.jsonl", "f_queue_history.jsonl", "g_binary_text.jsonl"}) {
    for (const auto& post : recorded_posts(session)) {
      INFO(session << " request: " << post["req"].dump());
      auto parsed = actors::parse_prompt_request(post["req"].dump());
      REQUIRE(parsed);
      auto result =
          validate(parsed.value().prompt, parsed.value().partial_execution_targets);
      CHECK(result.has_value() == (post["status"] == 200));
      if (result) {
        CHECK(plain(result.value().node_errors) == post["resp"]["node_errors"]);
      }
      ++checked;
    }
  }
  CHECK(checked > 10);
}

TEST_CASE("an output with an invalid ancestor is dropped and the others are kept") {
  auto post = recorded_posts()[8];
  REQUIRE(post["resp"]["node_errors"].contains("3"));
  auto result = validate(json::parse(post["req"]["prompt"].dump()));
  REQUIRE(result);
  CHECK(result.value().outputs == std::vector<std::string>{"5"});
}

TEST_CASE("a float given for an INT input is truncated as int() does") {
  json prompt = json::parse(R"({
    "1": {"class_type": "EmptyImage",
          "inputs": {"batch_size": 1, "color": 0, "height": "64", "width": 64.5}},
    "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}})");
  auto result = validate(prompt);
  REQUIRE(result);
  CHECK(result.value().prompt["1"]["inputs"]["width"] == 64);
  CHECK(result.value().prompt["1"]["inputs"]["width"].is_number_integer());
  CHECK(result.value().prompt["1"]["inputs"]["height"] == 64);
  CHECK(result.value().outputs == std::vector<std::string>{"2"});
}

TEST_CASE("partial_execution_targets keep only the named outputs") {
  json prompt = json::parse(R"({
    "1": {"class_type": "EmptyImage",
          "inputs": {"batch_size": 1, "color": 0, "height": 8, "width": 8}},
    "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}},
    "3": {"class_type": "SaveImage",
          "inputs": {"images": ["1", 0], "filename_prefix": "x"}}})");
  auto only_three = validate(prompt, std::vector<std::string>{"3", "1"});
  REQUIRE(only_three);
  CHECK(only_three.value().outputs == std::vector<std::string>{"3"});

  auto none = validate(prompt, std::vector<std::string>{});
  REQUIRE_FALSE(none);
  CHECK(none.error().type == "prompt_no_outputs");
  CHECK(none.error().message == "Prompt has no outputs");

  auto both = validate(prompt);
  REQUIRE(both);
  CHECK(both.value().outputs == std::vector<std::string>{"2", "3"});
}

TEST_CASE("a prompt with a cycle is refused with dependency_cycle") {
  json prompt = json::parse(R"({
    "1": {"class_type": "ImageInvert", "inputs": {"image": ["2", 0]}},
    "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
    "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}}})");
  auto result = validate(prompt);
  REQUIRE_FALSE(result);
  CHECK(result.error().type == "prompt_outputs_failed_validation");
  const auto& errors = result.error().node_errors;
  REQUIRE(errors.contains("1"));
  CHECK(errors["1"]["errors"][0]["type"] == "dependency_cycle");
  CHECK(errors["1"]["errors"][0]["extra_info"]["node_id"] == "1");
  CHECK(errors["1"]["errors"][0]["extra_info"]["cycle_nodes"] == json::array({"2", "1"}));
  CHECK(errors["1"]["dependent_outputs"] == json::array({"3"}));
  CHECK_FALSE(errors.contains("3"));
}

TEST_CASE("a 10,000-node chain validates without deep recursion") {
  auto result = validate(chain(10000));
  REQUIRE(result);
  CHECK(result.value().outputs == std::vector<std::string>{"out"});
  CHECK(result.value().node_errors.empty());
}

TEST_CASE("an error deep in a long chain is reported on the node that has it") {
  auto prompt = chain(5000);
  prompt["0"]["inputs"]["width"] = 0;
  auto result = validate(prompt);
  REQUIRE_FALSE(result);
  CHECK(result.error().node_errors.size() == 1);
  CHECK(result.error().node_errors["0"]["errors"][0]["type"] == "value_smaller_than_min");
  CHECK(result.error().details == "");
}

TEST_CASE(
    "an exception in a linked node is recorded on that node as an inner exception") {
  json prompt = json::parse(R"({
    "1": {"class_type": "ImageInvert", "inputs": {"image": ["99", 0]}},
    "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}})");
  auto result = validate(prompt);
  REQUIRE_FALSE(result);
  const auto& error = result.error().node_errors["1"]["errors"][0];
  CHECK(error["type"] == "exception_during_inner_validation");
  CHECK(error["details"] == "'99'");
  CHECK(error["extra_info"]["exception_type"] == "KeyError");
  CHECK(error["extra_info"]["input_name"] == "images");  // the caller's input
  CHECK(error["extra_info"]["linked_node"] == json::array({"1", 0}));
  CHECK(result.error().node_errors["1"]["dependent_outputs"] == json::array({"2"}));
}

TEST_CASE("a LoadImage whose file is missing fails custom validation") {
  static const json catalog = load_catalog();
  json prompt = json::parse(R"({
    "1": {"class_type": "LoadImage", "inputs": {"image": "sub/photo.png"}},
    "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}})");
  std::vector<std::string> asked;
  validation_context context;
  context.catalog = &catalog;
  bool present = false;
  context.file_exists = [&](const std::string& type, const std::string& path) {
    asked.push_back(type + ":" + path);
    return present;
  };
  auto missing = validate_prompt(prompt, context, std::nullopt);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().node_errors["1"]["errors"][0]["details"] ==
        "image - Invalid image file: sub/photo.png");
  present = true;
  CHECK(validate_prompt(prompt, context, std::nullopt));
  CHECK(asked == std::vector<std::string>{"input:sub/photo.png", "input:sub/photo.png"});

  prompt["1"]["inputs"]["image"] = "../../etc/passwd";
  CHECK_FALSE(validate_prompt(prompt, context, std::nullopt));
  CHECK(asked.size() == 2);
}

TEST_CASE("a LoadLatent accepts an existing latent file and refuses a missing one") {
  static const json catalog = load_catalog();
  json prompt = json::parse(R"({
    "1": {"class_type": "LoadLatent", "inputs": {"latent": "missing.latent"}},
    "2": {"class_type": "SaveLatent",
          "inputs": {"samples": ["1", 0], "filename_prefix": "latents/again"}}})");
  std::vector<std::string> present = {"input:kept.latent", "output:latents/a.latent"};
  validation_context context;
  context.catalog = &catalog;
  context.file_exists = [&](const std::string& type, const std::string& path) {
    return std::count(present.begin(), present.end(), type + ":" + path) > 0;
  };

  // ComfyUI's answer: VALIDATE_INPUTS returned "Invalid latent file: …".
  auto missing = validate_prompt(prompt, context, std::nullopt);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().type == "prompt_outputs_failed_validation");
  CHECK(missing.error().message == "Prompt outputs failed validation");
  // The top-level details list the output node's own reasons only: none here.
  CHECK(missing.error().details == "");
  CHECK(plain(missing.error().node_errors) == nlohmann::json::parse(R"({
    "1": {"errors": [{"type": "custom_validation_failed",
                      "message": "Custom validation failed for node",
                      "details": "latent - Invalid latent file: missing.latent",
                      "extra_info": {"input_name": "latent"}}],
          "dependent_outputs": ["2"], "class_type": "LoadLatent"}})"));

  // The combo is not checked: the file's existence is.
  prompt["1"]["inputs"]["latent"] = "kept.latent";
  CHECK(validate_prompt(prompt, context, std::nullopt));
  prompt["1"]["inputs"]["latent"] = "latents/a.latent [output]";
  CHECK(validate_prompt(prompt, context, std::nullopt));
  prompt["1"]["inputs"]["latent"] = "latents/a.latent";
  CHECK_FALSE(validate_prompt(prompt, context, std::nullopt));
  prompt["1"]["inputs"]["latent"] = "../kept.latent";
  CHECK_FALSE(validate_prompt(prompt, context, std::nullopt));
}

TEST_CASE("hostile prompt shapes are refused without a crash") {
  CHECK(validate(json::array()).error().type == "invalid_prompt");
  CHECK(validate(json::parse(R"({"1": 5})")).error().type == "invalid_prompt");
  CHECK(validate(json::parse(R"({"1": {"class_type": ["x"]}})")).error().type ==
        "invalid_prompt");
  auto bad_index = validate(json::parse(R"({
    "1": {"class_type": "EmptyImage",
          "inputs": {"batch_size": 1, "color": 0, "height": 8, "width": 8}},
    "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0.5]}}})"));
  REQUIRE_FALSE(bad_index);
  CHECK(bad_index.error().details ==
        "Exception when validating node: tuple indices must be integers or slices, not "
        "float");
  auto bad_link = validate(json::parse(R"({
    "2": {"class_type": "PreviewImage", "inputs": {"images": [{"a": 1}, 0]}}})"));
  REQUIRE_FALSE(bad_link);
  CHECK(bad_link.error().details ==
        "Exception when validating node: unhashable type: 'dict'");
}

}  // namespace drover::coordinator
