#pragma once
// Runs one registered class of the native node pack on given inputs, with an
// attempt environment over recording seams, and compares object_info entries
// with the recorded ComfyUI reference.

#include <atomic>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "worker/attempt_environment.hpp"
#include "worker/core_nodes.hpp"
#include "worker/node_call.hpp"
#include "worker_test_support.hpp"

namespace drover::worker::testing {

struct native_node_runner {
  node_registry registry;
  recording_sink events;
  memory_files files;
  std::atomic<bool> interrupt{false};
  json prompt = json::object();
  attempt_environment env{{"p", 0, 0}, prompt, nullptr, files, events, interrupt};

  explicit native_node_runner(json submitted = json::object())
      : prompt(std::move(submitted)) {
    REQUIRE(register_core_nodes(registry));
  }

  node_outcome run(const std::string& class_type, node_call::input_list inputs) {
    const auto* definition = registry.find(class_type);
    REQUIRE(definition != nullptr);
    node_call call{*definition, "7", std::move(inputs), env};
    return definition->run(call);
  }
};

inline tensor_ptr tensor_of(std::vector<std::int64_t> shape, std::vector<float> values) {
  auto t = tensor::allocate(std::move(shape));
  REQUIRE(t);
  REQUIRE(t.value()->size() == values.size());
  std::copy(values.begin(), values.end(), t.value()->data());
  return t.value();
}

/// Output `index` of a successful outcome as a tensor.
inline tensor_ptr tensor_output(const node_outcome& out, std::size_t index = 0) {
  REQUIRE(out.has_value());
  const auto* t = std::get_if<tensor_ptr>(&out.value().outputs.at(index));
  REQUIRE(t != nullptr);
  return *t;
}

inline std::vector<float> values_of(const tensor_ptr& t) {
  return {t->data(), t->data() + t->size()};
}

inline void check_close(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-6));
  }
}

/// `value` as an unordered JSON document without descriptions, tooltips and
/// the upload inputs' file lists, which depend on the machine.
inline nlohmann::json without_prose(const json& value) {
  auto plain = nlohmann::json::parse(value.dump());
  plain.erase("description");
  std::vector<nlohmann::json*> stack{&plain};
  while (!stack.empty()) {
    auto* at = stack.back();
    stack.pop_back();
    if (at->is_object()) {
      at->erase("tooltip");
    }
    // An upload input lists the files of the recording machine's input folder.
    if (at->is_array() && at->size() == 2 && (*at)[0].is_array() &&
        (*at)[1].is_object() && (*at)[1].value("image_upload", false)) {
      (*at)[0] = nlohmann::json::array();
    }
    if (at->is_structured()) {
      for (auto& child : *at) {
        stack.push_back(&child);
      }
    }
  }
  return plain;
}

/// Checks that each of `classes` has ComfyUI v0.8.0's object_info entry.
inline void check_object_info(const std::vector<std::string>& classes) {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} +
                   "/comfyui-v0.8.0/object_info_subset.json"};
  auto reference = json::parse(in);
  node_registry registry;
  REQUIRE(register_core_nodes(registry));
  auto ours = registry.object_info();
  for (const auto& name : classes) {
    CAPTURE(name);
    REQUIRE(ours.contains(name));
    REQUIRE(reference.contains(name));
    CHECK(without_prose(ours[name]) == without_prose(reference[name]));
  }
}

}  // namespace drover::worker::testing
