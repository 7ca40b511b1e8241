#include "worker/saved_image.hpp"

#include "worker/python_json.hpp"

namespace drover::worker {

actors::result<pixels8> to_pixels(const tensor& images, std::int64_t index) {
  if (images.rank() != 4 || images.dim(3) < 1 || images.dim(3) > 4) {
    return actors::fail(
        actors::errc::invalid_input,
        "Cannot handle this data type: image shape " + images.shape_string());
  }
  pixels8 out;
  out.height = static_cast<std::uint32_t>(images.dim(1));
  out.width = static_cast<std::uint32_t>(images.dim(2));
  out.channels = static_cast<std::uint32_t>(images.dim(3));
  const std::size_t count = std::size_t{out.width} * out.height * out.channels;
  out.data.resize(count);
  const float* in = images.data() + static_cast<std::size_t>(index) * count;
  for (std::size_t i = 0; i < count; ++i) {
    float v = 255.0f * in[i];
    v = v > 0.0f ? (v < 255.0f ? v : 255.0f) : 0.0f;  // NaN becomes 0
    out.data[i] = static_cast<std::uint8_t>(v);
  }
  return out;
}

std::vector<png_text> prompt_metadata(node_environment& env) {
  std::vector<png_text> text;
  if (!env.prompt().is_null()) {
    text.emplace_back("prompt", python_json_dumps(env.prompt()));
  }
  if (env.extra_pnginfo().is_object()) {
    for (const auto& [key, value] : env.extra_pnginfo().items()) {
      text.emplace_back(key, python_json_dumps(value));
    }
  }
  return text;
}

}  // namespace drover::worker
