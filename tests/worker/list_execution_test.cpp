// ComfyUI's list semantics in drover's executor: list outputs, nodes mapped
// over list inputs, list nodes that see whole lists, and RebatchImages.

#include <atomic>
#include <memory>
#include <mutex>

#include <doctest/doctest.h>

#include "executor_harness.hpp"
#include "worker/node_call.hpp"
#include "worker/png_codec.hpp"

namespace drover::worker {
namespace {

/// The core pack plus probe classes: `Counter` returns the list 0..count-1
/// (`output_is_list`), `Pair` joins two values as "a:b" and records each call,
/// `Gather` (`input_is_list`) returns how many values each input carried.
struct list_fixture : testing::executor_harness {
  std::shared_ptr<std::vector<std::string>> pair_calls =
      std::make_shared<std::vector<std::string>>();

  list_fixture() {
    node_definition counter;
    counter.class_type = "Counter";
    counter.required("count", "INT").output("INT");
    counter.output_is_list = {true};
    counter.run = [](node_call& call) -> node_outcome {
      DROVER_TRY(count, call.integer("count"));
      std::vector<node_value> items;
      for (std::int64_t i = 0; i < count; ++i) {
        items.emplace_back(json(i));
      }
      return node_result{{std::make_shared<const value_list>(value_list{items})},
                         nullptr};
    };

    node_definition pair;
    pair.class_type = "Pair";
    pair.output_node = true;
    pair.required("a", "INT").required("b", "*").output("STRING");
    pair.run = [calls = pair_calls](node_call& call) -> node_outcome {
      DROVER_TRY(a, call.integer("a"));
      const auto b = call.items("b").at(0);
      auto text = std::to_string(a) + ":" + describe_value(b);
      calls->push_back(text);
      if (text == "2:fail") {
        return node_failure{"ValueError", "refused " + text};
      }
      return node_result{{json(text)}, json{{"text", json::array({text})}}};
    };

    node_definition gather;
    gather.class_type = "Gather";
    gather.output_node = true;
    gather.input_is_list = true;
    gather.required("values", "*").required("tag", "STRING").output("STRING");
    gather.run = [](node_call& call) -> node_outcome {
      auto values = call.items("values");
      std::string text = std::to_string(values.size()) + " values:";
      for (const auto& v : values) {
        text += " " + describe_value(v);
      }
      DROVER_TRY(tag, call.string("tag"));
      return node_result{{json(text)}, json{{"text", json::array({text, tag})}}};
    };

    for (auto* d : {&counter, &pair, &gather}) {
      REQUIRE(registry.add(std::move(*d)));
    }
  }
};

json node(const std::string& class_type, json inputs) {
  return {{"class_type", class_type}, {"inputs", std::move(inputs)}};
}

json link(const std::string& id, int output = 0) {
  return json::array({id, output});
}

TEST_CASE("a node is called once per item of a list input, a shorter list repeating") {
  list_fixture f;
  json prompt = {{"1", node("Counter", {{"count", 3}})},
                 {"2", node("Counter", {{"count", 2}})},
                 {"3", node("Pair", {{"a", link("1")}, {"b", link("2")}})}};
  auto report = f.run(prompt, {"3"});
  REQUIRE(report.outcome == actors::fragment_outcome::success);
  // ComfyUI's slice_dict: index i of each list, or its last item past the end.
  CHECK(*f.pair_calls == std::vector<std::string>{"0:0", "1:1", "2:1"});
  // The calls' uis concatenate key by key into one `executed`.
  CHECK(report.outputs["3"] == json{{"text", {"0:0", "1:1", "2:1"}}});
}

TEST_CASE("a constant input is repeated for every item of a linked list") {
  list_fixture f;
  json prompt = {{"1", node("Counter", {{"count", 4}})},
                 {"2", node("Pair", {{"a", link("1")}, {"b", "x"}})}};
  auto report = f.run(prompt, {"2"});
  REQUIRE(report.outcome == actors::fragment_outcome::success);
  CHECK(*f.pair_calls == std::vector<std::string>{"0:x", "1:x", "2:x", "3:x"});
}

TEST_CASE("mapped outputs form a list that the next node is mapped over again") {
  list_fixture f;
  // Pair over a 3-list gives 3 strings; Gather sees them whole.
  json prompt = {{"1", node("Counter", {{"count", 3}})},
                 {"2", node("Pair", {{"a", link("1")}, {"b", "y"}})},
                 {"3", node("Gather", {{"values", link("2")}, {"tag", "t"}})}};
  auto report = f.run(prompt, {"3"});
  REQUIRE(report.outcome == actors::fragment_outcome::success);
  CHECK(report.outputs["3"] == json{{"text", {"3 values: 0:y 1:y 2:y", "t"}}});
}

TEST_CASE("a list node sees a single value as a list of one and an empty list as empty") {
  list_fixture f;
  json prompt = {{"1", node("Counter", {{"count", 1}})},
                 {"2", node("Gather", {{"values", link("1")}, {"tag", "one"}})},
                 {"3", node("Counter", {{"count", 0}})},
                 {"4", node("Gather", {{"values", link("3")}, {"tag", "none"}})}};
  auto report = f.run(prompt, {"2", "4"});
  REQUIRE(report.outcome == actors::fragment_outcome::success);
  CHECK(report.outputs["2"] == json{{"text", {"1 values: 0", "one"}}});
  CHECK(report.outputs["4"] == json{{"text", {"0 values:", "none"}}});
}

TEST_CASE("a mapped node that is given an empty list fails with an IndexError") {
  list_fixture f;
  json prompt = {{"1", node("Counter", {{"count", 0}})},
                 {"2", node("Pair", {{"a", link("1")}, {"b", "z"}})}};
  auto report = f.run(prompt, {"2"});
  REQUIRE(report.outcome == actors::fragment_outcome::error);
  CHECK(report.detail["node_id"] == "2");
  CHECK(report.detail["exception_type"] == "IndexError");
  CHECK(f.pair_calls->empty());
}

TEST_CASE("a failing mapped call ends the prompt and current_inputs lists every item") {
  list_fixture f;
  json prompt = {{"1", node("Counter", {{"count", 4}})},
                 {"2", node("Pair", {{"a", link("1")}, {"b", "fail"}})}};
  auto report = f.run(prompt, {"2"});
  REQUIRE(report.outcome == actors::fragment_outcome::error);
  CHECK(*f.pair_calls == std::vector<std::string>{"0:fail", "1:fail", "2:fail"});
  CHECK(report.detail["exception_message"] == "refused 2:fail\n");
  CHECK(report.detail["current_inputs"] == json{{"a", {0, 1, 2, 3}}, {"b", {"fail"}}});
}

TEST_CASE("an interrupt is seen between the mapped calls of one node") {
  list_fixture f;
  node_definition stopper;
  stopper.class_type = "Stopper";
  stopper.required("a", "INT").output("INT");
  stopper.run = [&f](node_call& call) -> node_outcome {
    DROVER_TRY(a, call.integer("a"));
    if (a == 1) {
      f.interrupt = true;  // as if a client interrupted during the second call
    }
    return node_result{{json(a)}, nullptr};
  };
  REQUIRE(f.registry.add(std::move(stopper)));
  json prompt = {{"1", node("Counter", {{"count", 5}})},
                 {"2", node("Stopper", {{"a", link("1")}})},
                 {"3", node("Pair", {{"a", link("2")}, {"b", "s"}})}};
  auto report = f.run(prompt, {"3"});
  CHECK(report.outcome == actors::fragment_outcome::interrupted);
  CHECK(f.pair_calls->empty());
}

TEST_CASE("a rerun takes list outputs from the cache") {
  list_fixture f;
  json prompt = {{"1", node("Counter", {{"count", 2}})},
                 {"2", node("Pair", {{"a", link("1")}, {"b", "c"}})}};
  REQUIRE(f.run(prompt, {"2"}).outcome == actors::fragment_outcome::success);
  auto again = f.run(prompt, {"2"});
  CHECK(again.outcome == actors::fragment_outcome::success);
  CHECK(again.cached_nodes == std::vector<std::string>{"1", "2"});
  CHECK(again.outputs["2"] == json{{"text", {"0:c", "1:c"}}});
  CHECK(f.pair_calls->size() == 2);
}

/// The saved files' names, in the order of the `executed` ui.
std::vector<std::string> saved_names(const json& ui) {
  std::vector<std::string> names;
  for (const auto& image : ui["images"]) {
    names.push_back(image["filename"].get<std::string>());
  }
  return names;
}

TEST_CASE("RebatchImages regroups a batch and the nodes after it run once per group") {
  list_fixture f;
  // Two black images, then three white ones (EmptyImage's `color` is 0xRRGGBB).
  json prompt = {
      {"1", node("EmptyImage",
                 {{"width", 3}, {"height", 2}, {"batch_size", 2}, {"color", 0}})},
      {"2", node("EmptyImage",
                 {{"width", 3}, {"height", 2}, {"batch_size", 3}, {"color", 0xFFFFFF}})},
      {"3", node("ImageBatch", {{"image1", link("1")}, {"image2", link("2")}})},
      {"4", node("RebatchImages", {{"images", link("3")}, {"batch_size", 2}})},
      {"5", node("ImageInvert", {{"image", link("4")}})},
      {"6", node("SaveImage", {{"images", link("5")}, {"filename_prefix", "rb"}})},
      {"7", node("Gather", {{"values", link("5")}, {"tag", "groups"}})}};
  auto report = f.run(prompt, {"6", "7"});
  REQUIRE(report.outcome == actors::fragment_outcome::success);
  CHECK(report.outputs["7"]["text"][0] ==
        "3 values: tensor(shape=[2, 2, 3, 3]) tensor(shape=[2, 2, 3, 3]) "
        "tensor(shape=[1, 2, 3, 3])");
  // Three groups (2, 2, 1 images): SaveImage ran three times, each call
  // continuing the counter, and its uis concatenate.
  CHECK(saved_names(report.outputs["6"]) ==
        std::vector<std::string>{"rb_00001_.png", "rb_00002_.png", "rb_00003_.png",
                                 "rb_00004_.png", "rb_00005_.png"});
  // Inverted, in their order: white, white, black, black, black.
  std::vector<int> firsts;
  for (int i = 1; i <= 5; ++i) {
    auto png =
        decode_png(f.files.files.at("output//rb_0000" + std::to_string(i) + "_.png"));
    REQUIRE(png);
    CHECK(png.value().image.width == 3);
    firsts.push_back(png.value().image.data.at(0));
  }
  CHECK(firsts == std::vector<int>{255, 255, 0, 0, 0});
}

TEST_CASE("RebatchImages concatenates list items and refuses images of other sizes") {
  list_fixture f;
  json small =
      node("EmptyImage", {{"width", 2}, {"height", 2}, {"batch_size", 1}, {"color", 0}});
  json wide =
      node("EmptyImage", {{"width", 4}, {"height", 2}, {"batch_size", 1}, {"color", 0}});
  json prompt = {
      {"1", small},
      {"2", wide},
      {"3", node("RebatchImages", {{"images", link("1")}, {"batch_size", 1}})},
      {"4", node("RebatchImages", {{"images", link("2")}, {"batch_size", 1}})},
      // A list node over two singles: both images, one batch of 2.
      {"5", node("Gather", {{"values", link("3")}, {"tag", "a"}})},
      {"6", node("ImageBatch", {{"image1", link("1")}, {"image2", link("1")}})},
      {"7", node("RebatchImages", {{"images", link("6")}, {"batch_size", 4}})},
      {"8", node("Gather", {{"values", link("7")}, {"tag", "b"}})}};
  auto report = f.run(prompt, {"5", "8"});
  CAPTURE(report.detail.dump());
  REQUIRE(report.outcome == actors::fragment_outcome::success);
  CHECK(report.outputs["5"]["text"][0] == "1 values: tensor(shape=[1, 2, 2, 3])");
  CHECK(report.outputs["8"]["text"][0] == "1 values: tensor(shape=[2, 2, 2, 3])");
}

TEST_CASE("RebatchImages refuses to batch images of different sizes as torch.cat does") {
  list_fixture f;
  // `Both` is a list node returning its two inputs as one list.
  node_definition both;
  both.class_type = "Both";
  both.input_is_list = true;
  both.required("a", "IMAGE").required("b", "IMAGE").output("IMAGE");
  both.output_is_list = {true};
  both.run = [](node_call& call) -> node_outcome {
    auto items = call.items("a");
    auto more = call.items("b");
    items.insert(items.end(), more.begin(), more.end());
    return node_result{{std::make_shared<const value_list>(value_list{items})}, nullptr};
  };
  REQUIRE(f.registry.add(std::move(both)));

  json prompt = {
      {"1", node("EmptyImage",
                 {{"width", 2}, {"height", 2}, {"batch_size", 1}, {"color", 0}})},
      {"2", node("EmptyImage",
                 {{"width", 4}, {"height", 2}, {"batch_size", 1}, {"color", 0}})},
      {"3", node("Both", {{"a", link("1")}, {"b", link("2")}})},
      {"4", node("RebatchImages", {{"images", link("3")}, {"batch_size", 1}})},
      {"5", node("Gather", {{"values", link("4")}, {"tag", "apart"}})},
      {"6", node("RebatchImages", {{"images", link("3")}, {"batch_size", 2}})},
      {"7", node("Gather", {{"values", link("6")}, {"tag", "together"}})}};
  auto apart = f.run(prompt, {"5"});
  CAPTURE(apart.detail.dump());
  REQUIRE(apart.outcome == actors::fragment_outcome::success);
  CHECK(apart.outputs["5"]["text"][0] ==
        "2 values: tensor(shape=[1, 2, 2, 3]) tensor(shape=[1, 2, 4, 3])");

  auto together = f.run(prompt, {"7"});
  REQUIRE(together.outcome == actors::fragment_outcome::error);
  CHECK(together.detail["node_type"] == "RebatchImages");
  CHECK(together.detail["exception_type"] == "RuntimeError");
  CHECK(together.detail["exception_message"] ==
        "Sizes of tensors must match except in dimension 0. Expected size 2 but got "
        "size 4 for tensor number 1 in the list.\n");
}

}  // namespace
}  // namespace drover::worker
