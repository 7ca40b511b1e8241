#include "actors/store_protocol.hpp"

#include <doctest/doctest.h>

namespace drover::actors {
namespace {

TEST_CASE("store names that stay inside their folder are accepted") {
  CHECK(check_store_file({"output", "", "ComfyUI_00001_.png"}).has_value());
  CHECK(check_store_file({"temp", "a/b", "x.png"}).has_value());
  CHECK(check_store_file({"input", "", "photo (1).png"}).has_value());
}

TEST_CASE("hostile store names are refused") {
  const store_file hostile[] = {
      {"output", "", ""},
      {"output", "", "."},
      {"output", "", ".."},
      {"output", "", "a/b.png"},
      {"output", "", "a\\b.png"},
      {"output", "/etc", "passwd"},
      {"output", "..", "x.png"},
      {"output", "a/../..", "x.png"},
      {"output", "a//b", "x.png"},
      {"models", "", "x.png"},
      {"output", "./a", "x.png"},
      {"output", std::string{"a\0b", 3}, "x.png"},
      {"output", "", std::string{"x\0.png", 6}},
  };
  for (const auto& file : hostile) {
    CAPTURE(file.type);
    CAPTURE(file.subfolder);
    CAPTURE(file.filename);
    auto checked = check_store_file(file);
    REQUIRE_FALSE(checked.has_value());
    CHECK(checked.error().code == errc::invalid_input);
  }
}

}  // namespace
}  // namespace drover::actors
