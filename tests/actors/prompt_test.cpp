#include "actors/prompt.hpp"

#include <doctest/doctest.h>

namespace drover::actors {
namespace {

prompt_graph parse_ok(const char* text) {
  auto parsed = prompt_graph::parse(json::parse(text));
  REQUIRE(parsed.has_value());
  return std::move(parsed.value());
}

TEST_CASE("a prompt keeps its nodes and inputs in the order they were sent") {
  auto graph = parse_ok(R"({
    "9": {"class_type": "SaveImage",
          "inputs": {"images": ["2", 0], "filename_prefix": "x"}},
    "1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64}},
    "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]},
          "_meta": {"title": "Inv"}}
  })");
  REQUIRE(graph.nodes().size() == 3);
  CHECK(graph.nodes()[0].id == "9");
  CHECK(graph.nodes()[1].id == "1");
  CHECK(graph.nodes()[2].id == "2");
  CHECK(graph.nodes()[0].inputs[0].name == "images");
  CHECK(graph.nodes()[0].inputs[1].name == "filename_prefix");
  CHECK(graph.find("2")->meta["title"] == "Inv");
  CHECK(graph.find("7") == nullptr);
}

TEST_CASE("links are recognised by ComfyUI's shape: a string id and a number") {
  auto graph = parse_ok(R"({"2": {"class_type": "X", "inputs": {
      "a": ["1", 0], "b": ["1", 2.0], "c": [1, 0],
      "d": ["1", 0, 3], "e": ["1", "0"]}}})");
  const auto& node = *graph.find("2");
  REQUIRE(node.input("a")->is_link());
  CHECK(node.input("a")->source->node_id == "1");
  CHECK(node.input("a")->source->output_index == 0);
  REQUIRE(node.input("b")->is_link());
  CHECK(node.input("b")->source->output_index == 2);
  CHECK_FALSE(node.input("c")->is_link());
  CHECK_FALSE(node.input("d")->is_link());
  CHECK_FALSE(node.input("e")->is_link());
  CHECK(node.input("d")->constant == json::parse(R"(["1", 0, 3])"));
}

TEST_CASE("seeds keep their full unsigned 64-bit range") {
  auto graph = parse_ok(R"({"3": {"class_type": "KSampler", "inputs": {
      "seed": 18446744073709551615, "low": -9223372036854775808, "mid": 4294967296}}})");
  const auto& node = *graph.find("3");
  CHECK(node.input("seed")->constant.is_number_unsigned());
  CHECK(node.input("seed")->constant.get<std::uint64_t>() == UINT64_MAX);
  CHECK(node.input("low")->constant.get<std::int64_t>() == INT64_MIN);
  CHECK(node.input("mid")->constant.get<std::uint64_t>() == 4294967296ull);
  CHECK(node.input("seed")->constant.dump() == "18446744073709551615");
}

TEST_CASE("a constant list wrapped in __value__ is unwrapped") {
  auto graph = parse_ok(R"({"1": {"class_type": "X", "inputs": {
      "pair": {"__value__": ["1", 0]}, "obj": {"__value__": 1, "other": 2}}}})");
  const auto& node = *graph.find("1");
  CHECK_FALSE(node.input("pair")->is_link());
  CHECK(node.input("pair")->constant == json::parse(R"(["1", 0])"));
  CHECK(node.input("obj")->constant.is_object());
}

TEST_CASE("a node without a class_type is refused as invalid_prompt naming the node") {
  auto parsed = prompt_graph::parse(json::parse(R"({"5": {"inputs": {}}})"));
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().type == "invalid_prompt");
  CHECK(parsed.error().details == "Node ID '#5'");
}

TEST_CASE("malformed prompt shapes are refused, not crashed on") {
  for (const char* text :
       {R"([])", R"("x")", R"({"1": 5})", R"({"1": {"class_type": 3}})",
        R"({"1": {"class_type": "X", "inputs": []}})"}) {
    CAPTURE(text);
    auto parsed = prompt_graph::parse(json::parse(text));
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().type == "invalid_prompt");
  }
}

TEST_CASE("link indices that do not fit are constants, not links") {
  auto graph = parse_ok(R"({"1": {"class_type": "X", "inputs": {
      "big": ["2", 99999999999], "neg": ["2", -1]}}})");
  CHECK_FALSE(graph.find("1")->input("big")->is_link());
  CHECK_FALSE(graph.find("1")->input("neg")->is_link());
}

}  // namespace
}  // namespace drover::actors
