// Scenario: a client uploads files into a farm's input folder, sees them in
// the loaders' combos of GET /object_info as ComfyUI lists its input folder,
// and loads an uploaded latent in a prompt that runs on a worker process.

#include <chrono>
#include <cstring>

#include <doctest/doctest.h>

#include "tests/farm/farm_fixture.hpp"
#include "worker/png_codec.hpp"
#include "worker/safetensors.hpp"

namespace drover::test {
namespace {

constexpr std::chrono::seconds frame_timeout{30};

std::string png_bytes(std::uint8_t value) {
  worker::pixels8 image;
  image.width = 2;
  image.height = 2;
  image.channels = 3;
  image.data.assign(12, value);
  auto bytes = worker::encode_png(image, {}, 1);
  REQUIRE(bytes.has_value());
  return bytes.value();
}

/// The samples of the uploaded latent: [1, 4, 2, 3], -1 … 4.75 in quarters.
std::vector<float> latent_values() {
  std::vector<float> values(24);
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<float>(i) * 0.25f - 1.0f;
  }
  return values;
}

/// A .latent file as ComfyUI's SaveLatent writes one.
std::string latent_bytes() {
  static const auto values = latent_values();
  return worker::encode_safetensors({{"latent_tensor", {1, 4, 2, 3}, values.data()},
                                     {"latent_format_version_0", {0}, nullptr}},
                                    {});
}

json combo(const json& catalog, const char* class_type, const char* input) {
  return catalog.at(class_type).at("input").at("required").at(input).at(0);
}

json latent_prompt(const std::string& file) {
  return {{"1", {{"class_type", "LoadLatent"}, {"inputs", {{"latent", file}}}}},
          {"2",
           {{"class_type", "SaveLatent"},
            {"inputs",
             {{"samples", json::array({"1", 0})}, {"filename_prefix", "roundtrip"}}}}}};
}

/// Reads `ws` until `prompt_id` ends; returns the terminal message type.
std::string wait_for_end(ws_client& ws, const std::string& prompt_id) {
  while (true) {
    auto frame = next_frame(ws, frame_timeout);
    REQUIRE_MESSAGE(frame.has_value(), "no WebSocket frame within 30 s");
    if (!frame->text) {
      continue;
    }
    auto message = json::parse(frame->data);
    const std::string type = message["type"];
    if (message["data"].value("prompt_id", "") == prompt_id &&
        (type == "execution_success" || type == "execution_error" ||
         type == "execution_interrupted")) {
      INFO(message.dump());
      return type;
    }
  }
}

}  // namespace

TEST_CASE("uploaded input files show in the loaders' combos and a latent loads") {
  farm_fixture fixture{1};

  // Two images, a file that is no image, a latent, and an image in a subfolder.
  REQUIRE(fixture.upload("zebra.png", png_bytes(10)).status == 200);
  REQUIRE(fixture.upload("Apple.png", png_bytes(200)).status == 200);
  REQUIRE(fixture.upload("notes.txt", "not a picture").status == 200);
  REQUIRE(fixture.upload("start.latent", latent_bytes()).status == 200);
  REQUIRE(fixture.upload("deep.png", png_bytes(50), "sub").status == 200);

  auto info = fixture.get("/object_info");
  REQUIRE(info.status == 200);
  auto catalog = json::parse(info.body);
  // ComfyUI v0.8.0: LoadImage lists images, LoadImageMask every top-level
  // file, LoadLatent the .latent files; sorted, subfolders left out.
  CHECK(combo(catalog, "LoadImage", "image") == json::array({"Apple.png", "zebra.png"}));
  CHECK(combo(catalog, "LoadImageMask", "image") ==
        json::array({"Apple.png", "notes.txt", "start.latent", "zebra.png"}));
  CHECK(combo(catalog, "LoadLatent", "latent") == json::array({"start.latent"}));
  CHECK(catalog["LoadImage"]["input"]["required"]["image"][1] ==
        json({{"image_upload", true}}));

  auto one = fixture.get("/object_info/LoadLatent");
  REQUIRE(one.status == 200);
  CHECK(json::parse(one.body) == json({{"LoadLatent", catalog["LoadLatent"]}}));

  SUBCASE("a LoadLatent prompt runs and its latent comes back unchanged") {
    auto ws = fixture.connect_ws("inputs-client");
    REQUIRE(next_frame(ws, frame_timeout).has_value());  // the status greeting
    json request = {{"prompt", latent_prompt("start.latent")},
                    {"client_id", "inputs-client"}};
    auto accepted = fixture.post_json("/prompt", request, 200);
    REQUIRE(accepted["prompt_id"].is_string());
    const std::string prompt_id = accepted["prompt_id"];
    REQUIRE(wait_for_end(ws, prompt_id) == "execution_success");

    auto history = json::parse(fixture.get("/history/" + prompt_id).body);
    const auto& saved = history[prompt_id]["outputs"]["2"]["latents"].at(0);
    CHECK(saved["type"] == "output");
    auto view = fixture.get(
        "/view?type=output&subfolder=" + saved["subfolder"].get<std::string>() +
        "&filename=" + saved["filename"].get<std::string>());
    REQUIRE(view.status == 200);
    auto file = worker::decode_safetensors(view.body);
    REQUIRE(file.has_value());
    const auto& tensor = file.value().tensors.at("latent_tensor");
    CHECK(tensor.dtype == "F32");
    CHECK(tensor.shape == std::vector<std::int64_t>{1, 4, 2, 3});
    const auto expected = latent_values();
    REQUIRE(tensor.bytes.size() == expected.size() * sizeof(float));
    std::vector<float> got(expected.size());
    std::memcpy(got.data(), tensor.bytes.data(), tensor.bytes.size());
    CHECK(got == expected);

    // The saved latent is an output, not an input; a new upload lists at once.
    REQUIRE(fixture.upload("again.latent", latent_bytes()).status == 200);
    catalog = json::parse(fixture.get("/object_info").body);
    CHECK(combo(catalog, "LoadLatent", "latent") ==
          json::array({"again.latent", "start.latent"}));
  }

  SUBCASE("a LoadLatent of a missing file is refused as ComfyUI refuses it") {
    auto refused =
        fixture.post_json("/prompt", {{"prompt", latent_prompt("gone.latent")}}, 400);
    CHECK(refused["error"]["type"] == "prompt_outputs_failed_validation");
    CHECK(refused["error"]["message"] == "Prompt outputs failed validation");
    // Key order aside: compared as plain JSON.
    CHECK(nlohmann::json::parse(refused["node_errors"].dump()) ==
          nlohmann::json::parse(R"({
      "1": {"errors": [{"type": "custom_validation_failed",
                        "message": "Custom validation failed for node",
                        "details": "latent - Invalid latent file: gone.latent",
                        "extra_info": {"input_name": "latent"}}],
            "dependent_outputs": ["2"], "class_type": "LoadLatent"}})"));

    // A LoadImage of a missing file is refused the same way.
    json image_prompt = {
        {"1", {{"class_type", "LoadImage"}, {"inputs", {{"image", "missing.png"}}}}},
        {"2",
         {{"class_type", "PreviewImage"},
          {"inputs", {{"images", json::array({"1", 0})}}}}}};
    auto missing_image = fixture.post_json("/prompt", {{"prompt", image_prompt}}, 400);
    CHECK(missing_image["node_errors"]["1"]["errors"][0]["details"] ==
          "image - Invalid image file: missing.png");
  }
}

}  // namespace drover::test
