// Progress previews are resized as ComfyUI's server resizes them: Pillow's
// ImageOps.contain with bilinear resampling, checked byte for byte against
// what Debian's Pillow wrote (tests/data/preview/record.py).

#include "worker/preview_resize.hpp"

#include <doctest/doctest.h>

#include "actors/json.hpp"
#include "tests/worker/recorded_data.hpp"

namespace drover::worker {
namespace {

TEST_CASE("a preview is contained in its square exactly as Pillow does it") {
  auto manifest = json::parse(recorded_data("preview/manifest.json"));
  REQUIRE(manifest.size() == 8);
  for (const auto& c : manifest) {
    const std::string name = c["name"];
    INFO(name);
    pixels8 in{c["width"], c["height"], c["channels"], {}};
    auto bytes = recorded_data("preview/" + name + ".in");
    in.data.assign(bytes.begin(), bytes.end());
    REQUIRE(in.data.size() == std::size_t{in.width} * in.height * in.channels);

    auto out = contain_preview(in, c["side"]);
    CHECK(out.width == c["out_width"].get<std::uint32_t>());
    CHECK(out.height == c["out_height"].get<std::uint32_t>());
    CHECK(out.channels == in.channels);
    auto expected = recorded_data("preview/" + name + ".out");
    CHECK(std::string(out.data.begin(), out.data.end()) == expected);
  }
}

TEST_CASE("an empty preview comes back as it is") {
  pixels8 empty{0, 0, 3, {}};
  CHECK(contain_preview(empty, 512).data.empty());
}

}  // namespace
}  // namespace drover::worker
