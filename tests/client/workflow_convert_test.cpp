// Scenario: a person saved a workflow from ComfyUI's editor and submits it to
// a farm, which only takes the API format.

#include "client/workflow_convert.hpp"

#include <fstream>
#include <sstream>

#include <doctest/doctest.h>

#include "client/widget_layout.hpp"

namespace drover::client {
namespace {

json load(const std::string& relative) {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/" + relative};
  REQUIRE_MESSAGE(in.good(), "cannot open " << relative);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

json object_info() {
  return load("comfyui-v0.8.0/object_info_subset.json");
}

/// Compares two prompts regardless of key order inside objects.
bool same_prompt(const json& a, const json& b) {
  return nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump());
}

std::string error_of(const actors::result<json>& converted) {
  REQUIRE_FALSE(converted.has_value());
  return converted.error().message;
}

TEST_CASE(
    "an editor file with a reroute, a primitive, a muted and a bypassed node "
    "converts to the prompt its API twin states") {
  auto converted = editor_to_api(load("workflows/editor_graph.json"), object_info());
  REQUIRE_MESSAGE(converted.has_value(), converted.error().message);
  auto expected = load("workflows/editor_graph_api.json");
  CHECK_MESSAGE(same_prompt(converted.value(), expected), converted.value().dump(1));

  // Nodes come out in dependency order.
  std::vector<std::string> ids;
  for (const auto& item : converted.value().items()) {
    ids.push_back(item.key());
  }
  CHECK(ids == std::vector<std::string>{"1", "5", "6", "7", "8"});
}

TEST_CASE("an API-format prompt is not taken for an editor file") {
  CHECK_FALSE(is_editor_format(load("workflows/editor_graph_api.json")));
  CHECK(is_editor_format(load("workflows/editor_graph.json")));
  CHECK_FALSE(editor_to_api(json::array(), object_info()).has_value());
}

TEST_CASE("a seed widget takes the control_after_generate value after it") {
  auto slots = widget_layout(object_info()["ImageAddNoise"]);
  REQUIRE(slots.size() == 3);
  CHECK(slots[0].input == "seed");
  CHECK(slots[1].input.empty());
  CHECK(slots[2].input == "strength");

  // An INT named seed gets one even when its options do not ask.
  json info = {
      {"input",
       {{"required",
         {{"seed", {"INT", {{"default", 0}}}}, {"steps", {"INT", json::object()}}}}}}};
  auto legacy = widget_layout(info);
  REQUIRE(legacy.size() == 3);
  CHECK(legacy[0].input == "seed");
  CHECK(legacy[2].input == "steps");
}

TEST_CASE("a widget value missing from the file takes the class's default") {
  json info = {{"input",
                {{"required",
                  {{"mode", json::array({json::array({"fast", "slow"})})},
                   {"method", {"COMBO", {{"options", {"lanczos", "area"}}}}},
                   {"steps", {"INT", {{"default", 20}}}}}}}},
               {"input_order", {{"required", {"mode", "method", "steps"}}}}};
  auto slots = widget_layout(info);
  REQUIRE(slots.size() == 3);
  CHECK(slots[0].default_value == "fast");
  CHECK(slots[1].default_value == "lanczos");
  CHECK(slots[2].default_value == 20);
}

TEST_CASE("widgets of inputs with forceInput or a link-only type take no slot") {
  json info = {{"input",
                {{"required",
                  {{"image", json::array({"IMAGE"})},
                   {"count", {"INT", {{"forceInput", true}}}},
                   {"text", {"STRING", {{"multiline", true}}}}}}}},
               {"input_order", {{"required", {"image", "count", "text"}}}}};
  auto slots = widget_layout(info);
  REQUIRE(slots.size() == 1);
  CHECK(slots[0].input == "text");
}

TEST_CASE("an array widget value is boxed so that it does not read as a link") {
  json info = {
      {"StringList", {{"input", {{"required", {{"items", json::array({"STRING"})}}}}}}}};
  json editor = {{"nodes",
                  {{{"id", 1},
                    {"type", "StringList"},
                    {"mode", 0},
                    {"widgets_values", json::array({json::array({"a", "b"})})}}}},
                 {"links", json::array()}};
  auto converted = editor_to_api(editor, info);
  REQUIRE(converted.has_value());
  CHECK(converted.value()["1"]["inputs"]["items"] ==
        json{{"__value__", json::array({"a", "b"})}});
}

TEST_CASE("a node of a class the farm does not know is refused with its id and class") {
  auto editor = load("workflows/editor_graph.json");
  editor["nodes"][4]["type"] = "KSamplerAdvanced";
  auto message = error_of(editor_to_api(editor, object_info()));
  CHECK(message.find("node 5") != std::string::npos);
  CHECK(message.find("KSamplerAdvanced") != std::string::npos);
}

TEST_CASE("a subgraph node is refused with its id") {
  auto editor = load("workflows/editor_graph.json");
  const std::string subgraph = "8a7c3a0e-5b0d-4f8e-9d55-1c2b3a4d5e6f";
  editor["definitions"] = {{"subgraphs", {{{"id", subgraph}, {"nodes", json::array()}}}}};
  editor["nodes"][6]["type"] = subgraph;
  auto message = error_of(editor_to_api(editor, object_info()));
  CHECK(message.find("node 7") != std::string::npos);
  CHECK(message.find("subgraph") != std::string::npos);
}

TEST_CASE("a link to a node missing from the file is refused") {
  auto editor = load("workflows/editor_graph.json");
  editor["links"][4][1] = 99;
  auto message = error_of(editor_to_api(editor, object_info()));
  CHECK(message.find("node 7") != std::string::npos);
}

TEST_CASE("reroutes linked in a loop are refused instead of recursing forever") {
  json editor = {
      {"nodes",
       {{{"id", 1},
         {"type", "Reroute"},
         {"inputs", {{{"name", ""}, {"type", "*"}, {"link", 2}}}},
         {"outputs", {{{"name", ""}, {"type", "IMAGE"}, {"links", {1}}}}}},
        {{"id", 2},
         {"type", "Reroute"},
         {"inputs", {{{"name", ""}, {"type", "*"}, {"link", 1}}}},
         {"outputs", {{{"name", ""}, {"type", "IMAGE"}, {"links", {2, 3}}}}}},
        {{"id", 3},
         {"type", "ImageInvert"},
         {"inputs", {{{"name", "image"}, {"type", "IMAGE"}, {"link", 3}}}}}}},
      {"links",
       {{1, 1, 0, 2, 0, "IMAGE"}, {2, 2, 0, 1, 0, "IMAGE"}, {3, 2, 0, 3, 0, "IMAGE"}}}};
  auto message = error_of(editor_to_api(editor, object_info()));
  CHECK(message.find("loop") != std::string::npos);
}

TEST_CASE("a bypassed node with no input of the needed type leaves the input unset") {
  auto editor = load("workflows/editor_graph.json");
  editor["nodes"][3]["inputs"][0]["type"] = "MASK";
  auto converted = editor_to_api(editor, object_info());
  REQUIRE(converted.has_value());
  CHECK_FALSE(converted.value()["5"]["inputs"].contains("image"));
}

TEST_CASE("an editor file with fields of the wrong type is refused, not crashed on") {
  auto base = load("workflows/editor_graph.json");
  std::vector<json> hostile;
  hostile.push_back(base);
  hostile.back()["nodes"][1]["mode"] = "muted";
  hostile.push_back(base);
  hostile.back()["nodes"][1]["inputs"] = json::array({7, "x"});
  hostile.push_back(base);
  hostile.back()["nodes"][1]["title"] = json::array();
  hostile.push_back(base);
  hostile.back()["links"] = json::array({json::array({1, 2, "zero", 1, 0, "INT"})});
  hostile.push_back(base);
  hostile.back()["nodes"][4]["widgets_values"] = "not a list";
  for (const auto& editor : hostile) {
    auto converted = editor_to_api(editor, object_info());
    if (!converted) {
      CHECK_FALSE(converted.error().message.empty());
    }
  }
  // A class whose options are of odd types is read as far as it goes.
  json info = {
      {"Odd", {{"input", {{"required", {{"n", {"INT", {{"forceInput", "yes"}}}}}}}}}}};
  json editor = {{"nodes", {{{"id", 1}, {"type", "Odd"}, {"widgets_values", {3}}}}}};
  CHECK_FALSE(editor_to_api(editor, info).has_value());
}

}  // namespace
}  // namespace drover::client
