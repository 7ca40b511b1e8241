#pragma once

// Prompts the suites of several components build alike.

#include <string>

#include "actors/json.hpp"

namespace drover::test {

/// EmptyImage (`"0"`, side × side) → `length - 1` ImageInverts → PreviewImage
/// (`"out"`): a chain as long as the caller wants, for depth tests.
inline json chain_prompt(int length, int side = 2) {
  json prompt = json::object();
  prompt["0"] = {
      {"class_type", "EmptyImage"},
      {"inputs", {{"width", side}, {"height", side}, {"batch_size", 1}, {"color", 0}}}};
  for (int i = 1; i < length; ++i) {
    prompt[std::to_string(i)] = {
        {"class_type", "ImageInvert"},
        {"inputs", {{"image", json::array({std::to_string(i - 1), 0})}}}};
  }
  prompt["out"] = {
      {"class_type", "PreviewImage"},
      {"inputs", {{"images", json::array({std::to_string(length - 1), 0})}}}};
  return prompt;
}

}  // namespace drover::test
