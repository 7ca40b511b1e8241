// The loaders' combos list the input folder as ComfyUI v0.8.0's nodes.py does
// (LoadImage, LoadImageMask, LoadLatent), filled into ComfyUI's own catalog.

#include "coordinator/input_files.hpp"

#include <fstream>

#include <doctest/doctest.h>

namespace drover::coordinator {
namespace {

json comfy_catalog() {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} +
                   "/comfyui-v0.8.0/object_info_subset.json"};
  return json::parse(in);
}

// The input folder's top-level files, sorted as the store lists them.
const std::vector<std::string> files = {
    ".hidden.png", "B.JPG",    "a.png",  "cat.latent", "latent",
    "notes.txt",   "scan.TIF", "x.webp", "y.latent",   "z.latent.txt",
};

}  // namespace

TEST_CASE("each loader lists ComfyUI's choice of the input folder") {
  auto catalog = comfy_catalog();
  fill_input_choices(catalog, files, content_types{});

  // LoadImage keeps what counts as an image, hidden files included.
  CHECK(catalog["LoadImage"]["input"]["required"]["image"] ==
        json::array({json::array({".hidden.png", "B.JPG", "a.png", "scan.TIF", "x.webp"}),
                     {{"image_upload", true}}}));
  // LoadImageMask lists every file: v0.8.0 does not filter it.
  CHECK(catalog["LoadImageMask"]["input"]["required"]["image"][0] == json(files));
  CHECK(catalog["LoadImageMask"]["input"]["required"]["channel"][0] ==
        json::array({"alpha", "red", "green", "blue"}));
  CHECK(catalog["LoadLatent"]["input"]["required"]["latent"] ==
        json::array({json::array({"cat.latent", "y.latent"})}));
}

TEST_CASE(
    "a fresh listing replaces the last one and an empty folder empties the combos") {
  auto catalog = comfy_catalog();
  fill_input_choices(catalog, files, content_types{});
  fill_input_choices(catalog, {"only.latent"}, content_types{});
  CHECK(catalog["LoadLatent"]["input"]["required"]["latent"][0] ==
        json::array({"only.latent"}));
  CHECK(catalog["LoadImage"]["input"]["required"]["image"][0] == json::array());
  fill_input_choices(catalog, {}, content_types{});
  CHECK(catalog["LoadLatent"]["input"]["required"]["latent"][0] == json::array());
  CHECK(catalog["LoadImageMask"]["input"]["required"]["image"][0] == json::array());
}

TEST_CASE("classes the farm lacks are not added and odd entries are left alone") {
  json catalog = {
      {"EmptyImage", comfy_catalog()["EmptyImage"]},
      {"LoadImage", {{"input", "not an object"}}},
      {"LoadLatent", {{"input", {{"required", {{"latent", "LATENT"}}}}}}},
  };
  auto before = catalog;
  fill_input_choices(catalog, files, content_types{});
  CHECK(catalog == before);
  json not_object = json::array();
  fill_input_choices(not_object, files, content_types{});
  CHECK(not_object == json::array());
}

TEST_CASE("the loaders whose input names a store file are known by class") {
  REQUIRE(store_input_of("LoadLatent") != nullptr);
  CHECK(std::string{store_input_of("LoadLatent")->input} == "latent");
  CHECK(std::string{store_input_of("LoadImageMask")->invalid_message} ==
        "Invalid image file: ");
  CHECK(store_input_of("LoadImageOutput")->listing == input_listing::none);
  CHECK(store_input_of("SaveLatent") == nullptr);
  CHECK(store_input_of("") == nullptr);
}

}  // namespace drover::coordinator
