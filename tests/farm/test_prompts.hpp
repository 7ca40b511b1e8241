#pragma once

// Prompts and files the farm tests submit.

#include <cstdint>
#include <string>

#include "actors/json.hpp"

namespace drover::test {

/// One node of an API-format prompt.
json node(const char* type, json inputs);

/// StubImage → TestSyncProgressUpdate (`seconds`, simulated) → PreviewImage,
/// for farms with testing nodes. `tag` changes the image, so that no two
/// tags share cached results.
json slow_prompt(double seconds, int tag);

/// A `width`×`height` RGB PNG whose samples are `value`, but for a ramp in
/// every fourth one (so that a flip or a copy would show).
std::string test_png(std::uint32_t width, std::uint32_t height, std::uint8_t value);

}  // namespace drover::test
