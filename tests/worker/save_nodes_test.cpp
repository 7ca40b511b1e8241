#include "worker/save_nodes.hpp"

#include <atomic>

#include <doctest/doctest.h>

#include "worker/attempt_environment.hpp"
#include "worker/core_nodes.hpp"
#include "worker/node_call.hpp"
#include "worker/png_codec.hpp"
#include "worker/python_json.hpp"
#include "worker_test_support.hpp"

namespace drover::worker {
namespace {

struct save_fixture {
  node_registry registry;
  testing::recording_sink events;
  testing::memory_files files;
  std::atomic<bool> interrupt{false};
  json prompt = {
      {"9", {{"class_type", "SaveImage"}, {"inputs", {{"filename_prefix", "ü"}}}}}};
  json pnginfo = {{"workflow", {{"nodes", json::array()}}}, {"note", "hi"}};
  attempt_environment env{{"p", 0, 0}, prompt, pnginfo, files, events, interrupt};

  save_fixture() { REQUIRE(register_core_nodes(registry)); }

  node_outcome run(const std::string& class_type, node_call::input_list inputs) {
    node_call call{*registry.find(class_type), "9", std::move(inputs), env};
    return registry.find(class_type)->run(call);
  }
};

tensor_ptr test_image() {
  // 1 x 1 x 3 x 3: values beyond 0..1 clip, 0.5 truncates to 127.
  auto t = tensor::allocate({1, 1, 3, 3});
  REQUIRE(t);
  const float v[] = {0.0f, 0.5f, 1.0f, -0.2f, 1.7f, 0.999f, 0.1f, 0.2f, 0.3f};
  std::copy(std::begin(v), std::end(v), t.value()->data());
  return t.value();
}

TEST_CASE("SaveImage writes a numbered PNG with the prompt and extra_pnginfo as text") {
  save_fixture f;
  auto out =
      f.run("SaveImage", {{"images", test_image()}, {"filename_prefix", json("run")}});
  REQUIRE(out.has_value());
  CHECK(out.value().ui == json{{"images", json::array({{{"filename", "run_00001_.png"},
                                                        {"subfolder", ""},
                                                        {"type", "output"}}})}});
  REQUIRE(f.files.files.count("output//run_00001_.png") == 1);

  auto png = decode_png(f.files.files["output//run_00001_.png"]);
  REQUIRE(png);
  const auto& image = png.value().image;
  CHECK(image.width == 3);
  CHECK(image.height == 1);
  CHECK(image.channels == 3);
  // 255 * x in float32, clipped, truncated: 0.5 → 127, 0.999 → 254, 0.1 → 25.
  CHECK(image.data == std::vector<std::uint8_t>{0, 127, 255, 0, 255, 254, 25, 51, 76});
  CHECK(png.value().text == std::vector<png_text>{{"prompt", python_json_dumps(f.prompt)},
                                                  {"workflow", "{\"nodes\": []}"},
                                                  {"note", "\"hi\""}});

  // The next save takes the next counter.
  out = f.run("SaveImage", {{"images", test_image()}, {"filename_prefix", json("run")}});
  REQUIRE(out.has_value());
  CHECK(out.value().ui["images"][0]["filename"] == "run_00002_.png");
}

TEST_CASE("SaveImage puts a prefix with folders into a subfolder") {
  save_fixture f;
  auto out = f.run("SaveImage",
                   {{"images", test_image()},
                    {"filename_prefix", json("shots/./day1/cat_%width%x%height%")}});
  REQUIRE(out.has_value());
  CHECK(out.value().ui["images"][0] == json{{"filename", "cat_3x1_00001_.png"},
                                            {"subfolder", "shots/day1"},
                                            {"type", "output"}});
  CHECK(f.files.files.count("output/shots/day1/cat_3x1_00001_.png") == 1);
}

TEST_CASE("SaveImage refuses a prefix that leaves the output folder") {
  save_fixture f;
  for (auto prefix : {"../evil", "/etc/x", "a/../../b"}) {
    CAPTURE(prefix);
    auto out =
        f.run("SaveImage", {{"images", test_image()}, {"filename_prefix", json(prefix)}});
    REQUIRE(!out.has_value());
    CHECK(out.error().exception_type == "ValueError");
  }
  CHECK(f.files.files.empty());
}

TEST_CASE("PreviewImage writes to temp with this process's random prefix") {
  save_fixture f;
  auto out = f.run("PreviewImage", {{"images", test_image()}});
  REQUIRE(out.has_value());
  const auto& prefix = preview_prefix();
  CHECK(prefix.size() == std::string{"ComfyUI_temp_"}.size() + 5);
  CHECK(out.value().ui["images"][0] ==
        json{{"filename", prefix + "_00001_.png"}, {"subfolder", ""}, {"type", "temp"}});
  auto png = decode_png(f.files.files.at("temp//" + prefix + "_00001_.png"));
  REQUIRE(png);
  CHECK(png.value().image.data[1] == 127);
}

}  // namespace
}  // namespace drover::worker
