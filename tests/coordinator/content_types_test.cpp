// Which input files ComfyUI counts as images, checked against answers
// recorded from ComfyUI v0.8.0's folder_paths on CPython 3.11
// (tests/data/content_types/record.py).

#include "coordinator/content_types.hpp"

#include <fstream>
#include <sstream>

#include <doctest/doctest.h>

#include "actors/json.hpp"

namespace drover::coordinator {
namespace {

const std::string data_dir = std::string{DROVER_TEST_DATA_DIR} + "/content_types/";

std::string read_text(const std::string& name) {
  std::ifstream in{data_dir + name};
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const json& recorded() {
  static const json answers = json::parse(read_text("expected.json"));
  return answers;
}

bool is_image_type(const json& type) {
  return type.is_string() && type.get<std::string>().rfind("image/", 0) == 0;
}

}  // namespace

TEST_CASE("with Python's built-in table alone, images are told apart as ComfyUI does") {
  const content_types types;
  const auto& answers = recorded().at("builtin");
  REQUIRE(answers.size() > 40);
  for (const auto& [name, answer] : answers.items()) {
    CAPTURE(name);
    CHECK(types.is_image(name) == answer.at("image").get<bool>());

    // drover keeps only the image types of the built-in table.
    auto type = types.type_of(name);
    if (is_image_type(answer.at("type")) || answer.at("type").is_null()) {
      CHECK(json(type ? json(*type) : json(nullptr)) == answer.at("type"));
    } else if (type) {
      CHECK(*type == answer.at("type").get<std::string>());
    }
  }
}

TEST_CASE("a mime.types file adds and overrides types as Python reads it") {
  content_types types;
  types.read(read_text("mime.types"));
  const auto& answers = recorded().at("with_mime_types");
  for (const auto& [name, answer] : answers.items()) {
    CAPTURE(name);
    CHECK(types.is_image(name) == answer.at("image").get<bool>());
    auto type = types.type_of(name);
    CHECK(json(type ? json(*type) : json(nullptr)) == answer.at("type"));
  }
}

TEST_CASE("ComfyUI's own answers for webp and fbx come before Python's") {
  content_types types;
  types.read("image/x-fbx-picture fbx\n");
  CHECK(types.type_of("scene.fbx") == "image/x-fbx-picture");
  CHECK_FALSE(types.is_image("scene.fbx"));
  CHECK(types.is_image("webp"));
  CHECK_FALSE(types.type_of("webp").has_value());
}

TEST_CASE("a malformed mime.types file is read without a crash") {
  content_types types;
  types.read("\n\n#\n   \nimage/x-a\n#image/x-b b\nimage/x-c c # d\n\x01\xff ext\n");
  CHECK(types.is_image("f.c"));
  CHECK_FALSE(types.is_image("f.b"));
  CHECK_FALSE(types.is_image("f.d"));
  CHECK(types.type_of("f.ext") == "\x01\xff");
}

}  // namespace drover::coordinator
