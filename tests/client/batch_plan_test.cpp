// Scenario: a person submits one workflow many times with different inputs.

#include "client/batch_plan.hpp"

#include <set>

#include <doctest/doctest.h>

namespace drover::client {
namespace {

json color_workflow() {
  return json::parse(R"({
    "1": {"inputs": {"width": 16, "height": 16, "batch_size": 1, "color": 0},
          "class_type": "EmptyImage", "_meta": {"title": "Canvas"}},
    "2": {"inputs": {"images": ["1", 0], "filename_prefix": "color"},
          "class_type": "SaveImage", "_meta": {"title": "Save.final"}}})");
}

input_ref ref(const std::string& text) {
  auto parsed = parse_input_ref(text);
  REQUIRE(parsed.has_value());
  return parsed.value();
}

TEST_CASE("--set values are read as JSON when they parse and as strings otherwise") {
  auto number = parse_assignment("1.color=255");
  REQUIRE(number.has_value());
  CHECK(number.value().target.node == "1");
  CHECK(number.value().target.input == "color");
  CHECK(number.value().value == 255);

  auto text = parse_assignment("Save.final.filename_prefix=night shot");
  REQUIRE(text.has_value());
  CHECK(text.value().target.node == "Save.final");
  CHECK(text.value().value == "night shot");

  CHECK(parse_assignment("1.color=[1,2]").value().value == json::array({1, 2}));
  CHECK_FALSE(parse_assignment("no-equals").has_value());
  CHECK_FALSE(parse_assignment("nodot=3").has_value());
}

TEST_CASE("a --set names its node by id or by title") {
  variation_options options;
  options.sets.push_back(parse_assignment("Canvas.color=7").value());
  options.sets.push_back(parse_assignment("2.filename_prefix=\"x\"").value());
  auto batch = plan_batch({{"color.json", color_workflow()}}, options);
  REQUIRE(batch.has_value());
  REQUIRE(batch.value().size() == 1);
  CHECK(batch.value()[0].prompt["1"]["inputs"]["color"] == 7);
  CHECK(batch.value()[0].prompt["2"]["inputs"]["filename_prefix"] == "x");
}

TEST_CASE("a --set naming no node is refused with the name") {
  variation_options options;
  options.sets.push_back(parse_assignment("Nowhere.color=7").value());
  auto batch = plan_batch({{"color.json", color_workflow()}}, options);
  REQUIRE_FALSE(batch.has_value());
  CHECK(batch.error().message.find("Nowhere") != std::string::npos);
}

TEST_CASE("--repeat with --vary steps the input by one per copy, with distinct ids") {
  variation_options options;
  options.repeat = 5;
  options.vary.push_back(ref("Canvas.color"));
  options.sets.push_back(parse_assignment("1.color=100").value());
  auto batch = plan_batch({{"color.json", color_workflow()}}, options);
  REQUIRE(batch.has_value());
  REQUIRE(batch.value().size() == 5);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(batch.value()[i].prompt["1"]["inputs"]["color"] == 100 + i);
    ids.insert(batch.value()[i].prompt_id);
  }
  CHECK(ids.size() == 5);
}

TEST_CASE("--repeat without --vary still gives each copy its own id") {
  variation_options options;
  options.repeat = 3;
  auto batch = plan_batch({{"color.json", color_workflow()}}, options);
  REQUIRE(batch.has_value());
  std::set<std::string> ids;
  for (const auto& planned : batch.value()) {
    CHECK(planned.prompt == color_workflow());
    ids.insert(planned.prompt_id);
  }
  CHECK(ids.size() == 3);
}

TEST_CASE("planning the same batch twice gives the same prompt ids") {
  variation_options options;
  options.repeat = 4;
  options.vary.push_back(ref("1.color"));
  auto first = plan_batch({{"color.json", color_workflow()}}, options);
  auto second = plan_batch({{"color.json", color_workflow()}}, options);
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(first.value()[i].prompt_id == second.value()[i].prompt_id);
  }

  // Another workflow content gives other ids.
  auto changed = color_workflow();
  changed["1"]["inputs"]["width"] = 32;
  auto third = plan_batch({{"color.json", changed}}, options);
  CHECK(third.value()[0].prompt_id != first.value()[0].prompt_id);
}

TEST_CASE("a derived prompt id is shaped like a UUID and ignores key order") {
  auto id = derived_prompt_id(color_workflow(), json{{"copy", 0}});
  REQUIRE(id.size() == 36);
  CHECK(id[8] == '-');
  CHECK(id[13] == '-');
  CHECK(id[14] == '8');
  CHECK(id[18] == '-');
  CHECK(id[23] == '-');

  json reordered = json::parse(R"({
    "2": {"class_type": "SaveImage", "_meta": {"title": "Save.final"},
          "inputs": {"filename_prefix": "color", "images": ["1", 0]}},
    "1": {"inputs": {"color": 0, "batch_size": 1, "height": 16, "width": 16},
          "class_type": "EmptyImage", "_meta": {"title": "Canvas"}}})");
  CHECK(derived_prompt_id(reordered, json{{"copy", 0}}) == id);
}

TEST_CASE("a --vary on an input that is not an integer is refused") {
  variation_options options;
  options.repeat = 2;
  options.vary.push_back(ref("2.filename_prefix"));
  auto batch = plan_batch({{"color.json", color_workflow()}}, options);
  REQUIRE_FALSE(batch.has_value());
  CHECK(batch.error().message.find("not an integer") != std::string::npos);
}

TEST_CASE("a matrix gives one prompt per row with its cells applied") {
  auto table = parse_matrix(
      "Canvas.color,2.filename_prefix\r\n"
      "10,red\n"
      "20,\"quoted, with comma\"\n"
      "\n"
      "30,\"say \"\"hi\"\"\"\n");
  REQUIRE_MESSAGE(table.has_value(), table.error().message);
  variation_options options;
  options.matrix = table.value();
  auto batch = plan_batch({{"color.json", color_workflow()}}, options);
  REQUIRE(batch.has_value());
  REQUIRE(batch.value().size() == 3);
  CHECK(batch.value()[0].prompt["1"]["inputs"]["color"] == 10);
  CHECK(batch.value()[0].prompt["2"]["inputs"]["filename_prefix"] == "red");
  CHECK(batch.value()[1].prompt["2"]["inputs"]["filename_prefix"] ==
        "quoted, with comma");
  CHECK(batch.value()[2].prompt["2"]["inputs"]["filename_prefix"] == "say \"hi\"");
  CHECK(batch.value()[2].variation["row"] == 2);
}

TEST_CASE("a matrix row with the wrong number of cells is refused naming its line") {
  auto table = parse_matrix("1.color,1.width\n1,2\n3\n");
  REQUIRE_FALSE(table.has_value());
  CHECK(table.error().message.find("line 3") != std::string::npos);
  CHECK_FALSE(parse_matrix("1.color\n").has_value());
  CHECK_FALSE(parse_matrix("not-a-ref\n1\n").has_value());
}

TEST_CASE("command-line text that is not UTF-8 is refused before it reaches a prompt") {
  CHECK_FALSE(parse_assignment("1.color=\xff\xfe").has_value());
  CHECK_FALSE(parse_input_ref("1.\xc3").has_value());
  CHECK_FALSE(parse_matrix("1.color\n\xff\n").has_value());
}

TEST_CASE("a prompt whose node inputs are not an object is refused, not crashed on") {
  json broken = {{"1", {{"class_type", "EmptyImage"}, {"inputs", json::array({1, 2})}}}};
  variation_options options;
  options.sets.push_back(parse_assignment("1.color=3").value());
  auto batch = plan_batch({{"broken.json", broken}}, options);
  CHECK_FALSE(batch.has_value());
}

}  // namespace
}  // namespace drover::client
