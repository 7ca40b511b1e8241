#pragma once
// Builders for the option objects of ComfyUI's INPUT_TYPES, in the two
// shapes object_info shows: classic nodes (nodes.py) and schema nodes
// (comfy_api io.Schema, "V3"), whose images carry `{}` and whose combos are
// spelled ["COMBO", {"multiselect": false, "options": [...]}].

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "actors/json.hpp"

namespace drover::worker::input_options {

/// {"default", "min", "max", "step"} of an INT widget.
inline json integer(std::int64_t def, std::int64_t min, std::int64_t max,
                    std::int64_t step = 1) {
  return {{"default", def}, {"min", min}, {"max", max}, {"step", step}};
}

/// {"default", "min", "max", "step"} of a FLOAT widget.
inline json number(double def, double min, double max, double step) {
  return {{"default", def}, {"min", min}, {"max", max}, {"step", step}};
}

/// {"default"} of a BOOLEAN widget.
inline json boolean(bool def) {
  return {{"default", def}};
}

/// The options of a schema node's combo; `def` empty when it names none.
inline json combo(const std::vector<std::string>& choices, const std::string& def = {}) {
  json o = {{"multiselect", false}, {"options", choices}};
  if (!def.empty()) {
    o["default"] = def;
  }
  return o;
}

/// The (empty) options of a schema node's IMAGE or MASK input.
inline json none() {
  return json::object();
}

}  // namespace drover::worker::input_options
