#include <doctest/doctest.h>

#include "native_node_runner.hpp"
#include "worker/python_regex.hpp"

namespace drover::worker {
namespace {

using testing::native_node_runner;

std::string text_of(const node_outcome& out) {
  REQUIRE(out.has_value());
  return std::get<json>(out.value().outputs.at(0)).get<std::string>();
}

node_outcome regex(native_node_runner& r, const std::string& pattern,
                   const std::string& replace, const std::string& text,
                   node_call::input_list flags = {}) {
  node_call::input_list inputs{{"string", json(text)},
                               {"regex_pattern", json(pattern)},
                               {"replace", json(replace)}};
  inputs.insert(inputs.end(), flags.begin(), flags.end());
  return r.run("RegexReplace", std::move(inputs));
}

TEST_CASE("object_info of the primitive and string classes equals ComfyUI's entries") {
  testing::check_object_info({"PrimitiveInt", "PrimitiveFloat", "PrimitiveBoolean",
                              "PrimitiveString", "PrimitiveStringMultiline",
                              "StringConcatenate", "StringReplace", "RegexReplace",
                              "PreviewAny"});
}

TEST_CASE("primitives pass their widget value through unchanged") {
  native_node_runner r;
  const std::vector<std::pair<std::string, json>> cases{
      {"PrimitiveInt", json(-9007199254740993LL)},
      {"PrimitiveFloat", json(0.1)},
      {"PrimitiveBoolean", json(true)},
      {"PrimitiveString", json("héllo")},
      {"PrimitiveStringMultiline", json("a\nb")}};
  for (const auto& [name, value] : cases) {
    CAPTURE(name);
    auto out = r.run(name, {{"value", value}});
    REQUIRE(out.has_value());
    CHECK(std::get<json>(out.value().outputs.at(0)) == value);
  }
  CHECK(!r.run("PrimitiveInt", {{"value", json("5")}}).has_value());
}

TEST_CASE("StringConcatenate joins a and b with the delimiter") {
  native_node_runner r;
  CHECK(text_of(r.run("StringConcatenate", {{"string_a", json("ab")},
                                            {"string_b", json("cd")},
                                            {"delimiter", json(", ")}})) == "ab, cd");
}

TEST_CASE(
    "StringReplace replaces every occurrence, and an empty find goes between "
    "characters") {
  native_node_runner r;
  auto replace = [&](std::string s, std::string find, std::string with) {
    return text_of(
        r.run("StringReplace",
              {{"string", json(s)}, {"find", json(find)}, {"replace", json(with)}}));
  };
  CHECK(replace("a-b-c", "-", "+") == "a+b+c");
  CHECK(replace("aaaa", "aa", "b") == "bb");
  CHECK(replace("aé", "", "-") == "-a-é-");  // Python's str.replace, per code point
}

TEST_CASE("RegexReplace ignores case by default and substitutes groups") {
  native_node_runner r;
  CHECK(text_of(regex(r, "(b+)", "<\\1>", "aBbc")) == "a<Bb>c");
  CHECK(text_of(regex(r, "(b+)", "<\\1>", "aBbc", {{"case_insensitive", json(false)}})) ==
        "aB<b>c");
  CHECK(text_of(regex(r, "(?P<w>\\w)(\\d)", "\\g<2>\\g<w>", "a1 b2")) == "1a 2b");
  CHECK(text_of(regex(r, "x", "\\n", "axb")) == "a\nb");
}

TEST_CASE("RegexReplace honours count, multiline and dotall as Python's re.sub") {
  native_node_runner r;
  CHECK(text_of(regex(r, "a", "b", "aaaa", {{"count", json(2)}})) == "bbaa");
  CHECK(text_of(regex(r, "^x", "y", "x\nx")) == "y\nx");
  CHECK(text_of(regex(r, "^x", "y", "x\nx", {{"multiline", json(true)}})) == "y\ny");
  CHECK(text_of(regex(r, "a.b", "-", "a\nb")) == "a\nb");
  CHECK(text_of(regex(r, "a.b", "-", "a\nb", {{"dotall", json(true)}})) == "-");
  CHECK(text_of(regex(r, "x*", "-", "abxd")) == "-a-b--d-");
  CHECK(text_of(regex(r, "b$", "-", "ab\n")) == "a-\n");  // $ before a final newline
  CHECK(text_of(regex(r, "b$", "-", "ab\nb\n\n")) == "ab\nb\n\n");
  CHECK(text_of(regex(r, "b\\Z", "-", "ab\n")) == "ab\n");
  CHECK(text_of(regex(r, "\\Ab", "-", "bb")) == "-b");
}

TEST_CASE("RegexReplace with pattern ( fails with re.error as ComfyUI recorded it") {
  // The first prompt of c_errors.jsonl.
  auto trace = testing::load_trace("c_errors.jsonl");
  json recorded;
  for (const auto& line : trace) {
    if (line.contains("msg") && line["msg"].value("type", "") == "execution_error") {
      recorded = line["msg"]["data"];
      break;
    }
  }
  REQUIRE(recorded.is_object());
  REQUIRE(recorded["node_type"] == "RegexReplace");

  native_node_runner r;
  const auto& inputs = recorded["current_inputs"];
  auto out =
      regex(r, inputs["regex_pattern"][0], inputs["replace"][0], inputs["string"][0],
            {{"case_insensitive", inputs["case_insensitive"][0]},
             {"count", inputs["count"][0]}});
  REQUIRE(!out.has_value());
  CHECK(out.error().exception_type == recorded["exception_type"].get<std::string>());
  // ComfyUI's executor appends a newline to every exception message it reports.
  CHECK(out.error().message + "\n" == recorded["exception_message"].get<std::string>());
}

TEST_CASE("python_re_sub reports Python's syntax errors with their positions") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"a(b", "missing ), unterminated subpattern at position 1"},
      {"ab)", "unbalanced parenthesis at position 2"},
      {"*a", "nothing to repeat at position 0"},
      {"a**", "multiple repeat at position 2"},
      {"[ab", "unterminated character set at position 0"},
      {"ab\\", "bad escape (end of pattern) at position 2"},
      {"\\q", "bad escape \\q at position 0"},
      {"a\n(", "missing ), unterminated subpattern at position 2 (line 2, column 1)"}};
  for (const auto& [pattern, message] : cases) {
    CAPTURE(pattern);
    auto out = python_re_sub(pattern, "", "abc", 0, {});
    REQUIRE(!out.has_value());
    CHECK(out.error().exception_type == "re.error");
    CHECK(out.error().message == message);
  }
  auto bad_group = python_re_sub("(a)", "\\2", "a", 0, {});
  REQUIRE(!bad_group.has_value());
  CHECK(bad_group.error().message == "invalid group reference 2 at position 1");
  auto lookbehind = python_re_sub("(?<=a)b", "", "ab", 0, {});
  REQUIRE(!lookbehind.has_value());
  CHECK(lookbehind.error().exception_type == "NotImplementedError");
}

TEST_CASE("PreviewAny shows its source as Python's str in the ui text") {
  native_node_runner r;
  const std::vector<std::pair<json, std::string>> cases{
      {json(96), "96"}, {json(0.5), "0.5"}, {json(true), "True"}, {json("hi"), "hi"}};
  for (const auto& [value, text] : cases) {
    CAPTURE(text);
    auto out = r.run("PreviewAny", {{"source", value}});
    REQUIRE(out.has_value());
    CHECK(out.value().outputs.empty());
    CHECK(out.value().ui == json{{"text", json::array({text})}});
  }
}

/// The one ui text of a PreviewAny run on `source`.
std::string preview_of(native_node_runner& r, node_value source) {
  auto out = r.run("PreviewAny", {{"source", std::move(source)}});
  REQUIRE(out.has_value());
  return out.value().ui["text"].at(0).get<std::string>();
}

TEST_CASE("PreviewAny dumps lists and dicts as json.dumps with indent=4") {
  // Recorded from Python's json.dumps(value, indent=4).
  native_node_runner r;
  CHECK(preview_of(r, json::parse(R"([1, [2, 3], {"a": "é", "b": []}, {}])")) ==
        "[\n    1,\n    [\n        2,\n        3\n    ],\n    {\n        \"a\": "
        "\"\\u00e9\",\n        \"b\": []\n    },\n    {}\n]");
  CHECK(preview_of(r, json::parse(R"({"k": [0.5, true, null]})")) ==
        "{\n    \"k\": [\n        0.5,\n        true,\n        null\n    ]\n}");
}

TEST_CASE("PreviewAny shows a tensor and a latent as Python's str() of them") {
  // Recorded from torch 1.13: str(tensor) and str() of a LATENT dict.
  native_node_runner r;
  CHECK(preview_of(r, testing::tensor_of({1, 1, 2}, {0.25f, 1})) ==
        "tensor([[[0.2500, 1.0000]]])");
  auto l = std::make_shared<latent>();
  l->samples = testing::tensor_of({1, 4, 1, 1}, {0, 0, 0, 0});
  l->batch_index = {2, 3};
  CHECK(preview_of(r, latent_ptr{l}) ==
        "{'samples': tensor([[[[0.]],\n\n         [[0.]],\n\n         [[0.]],\n\n"
        "         [[0.]]]]), 'batch_index': [2, 3]}");
}

}  // namespace
}  // namespace drover::worker
