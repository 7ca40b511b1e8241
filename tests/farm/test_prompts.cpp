#include "tests/farm/test_prompts.hpp"

#include <doctest/doctest.h>

#include "worker/png_codec.hpp"

namespace drover::test {

json node(const char* type, json inputs) {
  return {{"class_type", type}, {"inputs", std::move(inputs)}};
}

json slow_prompt(double seconds, int tag) {
  return {{"1", node("StubImage", {{"content", "WHITE"},
                                   {"height", 8 + tag},
                                   {"width", 8},
                                   {"batch_size", 1}})},
          {"2", node("TestSyncProgressUpdate",
                     {{"value", json::array({"1", 0})}, {"sleep_seconds", seconds}})},
          {"3", node("PreviewImage", {{"images", json::array({"2", 0})}})}};
}

std::string test_png(std::uint32_t width, std::uint32_t height, std::uint8_t value) {
  worker::pixels8 image;
  image.width = width;
  image.height = height;
  image.channels = 3;
  image.data.assign(std::size_t{width} * height * 3, value);
  for (std::size_t i = 0; i < image.data.size(); i += 4) {
    image.data[i] = static_cast<std::uint8_t>(i * 13);
  }
  auto bytes = worker::encode_png(image, {}, 1);
  REQUIRE(bytes.has_value());
  return bytes.value();
}

}  // namespace drover::test
