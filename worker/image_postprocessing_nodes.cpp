#include "worker/image_postprocessing_nodes.hpp"

#include <cmath>
#include <optional>
#include <string>

#include "worker/comfy_v3.hpp"
#include "worker/image_blend.hpp"
#include "worker/image_filters.hpp"
#include "worker/image_quantize.hpp"
#include "worker/image_resize.hpp"
#include "worker/input_options.hpp"
#include "worker/node_call.hpp"

namespace drover::worker {

namespace {

namespace opt = input_options;

constexpr const char* module = "comfy_extras.nodes_post_processing";

node_outcome blur_image(node_call& call) {
  DROVER_TRY(image, call.tensor_input("image"));
  DROVER_TRY(radius, call.integer("blur_radius"));
  DROVER_TRY(sigma, call.number("sigma"));
  if (radius == 0) {
    return node_result{{image}, nullptr};
  }
  DROVER_TRY(out, gaussian_blur(*image, radius, sigma));
  return node_result{{std::move(out)}, nullptr};
}

node_outcome sharpen_image(node_call& call) {
  DROVER_TRY(image, call.tensor_input("image"));
  DROVER_TRY(radius, call.integer("sharpen_radius"));
  DROVER_TRY(sigma, call.number("sigma"));
  DROVER_TRY(alpha, call.number("alpha"));
  if (radius == 0) {
    return node_result{{image}, nullptr};
  }
  DROVER_TRY(out, sharpen(*image, radius, sigma, alpha));
  return node_result{{std::move(out)}, nullptr};
}

node_outcome blend(node_call& call) {
  DROVER_TRY(image1, call.tensor_input("image1"));
  DROVER_TRY(image2, call.tensor_input("image2"));
  DROVER_TRY(factor, call.number("blend_factor"));
  DROVER_TRY(mode, call.string("blend_mode"));
  DROVER_TRY(out, blend_images(*image1, *image2, factor, mode));
  return node_result{{std::move(out)}, nullptr};
}

/// The error ComfyUI's ImageQuantize raises for an image that is not
/// [B, H, W, 3]: the shape unpacking, Pillow's fromarray(mode="RGB") on the
/// channels, or torch copying three channels back into the input's shape.
std::optional<node_failure> quantize_shape_error(const tensor& image) {
  if (image.rank() < 4) {
    return node_failure{"ValueError", "not enough values to unpack (expected 4, got " +
                                          std::to_string(image.rank()) + ")"};
  }
  if (image.rank() > 4) {
    return node_failure{"ValueError", "too many values to unpack (expected 4)"};
  }
  const auto channels = image.dim(3);
  if (channels == 2) {
    return node_failure{"ValueError", "not enough image data"};
  }
  if (channels == 4) {
    // torch 1.13's wording, recorded.
    const auto sizes = std::to_string(image.dim(1)) + ", " + std::to_string(image.dim(2));
    return node_failure{"RuntimeError",
                        "The expanded size of the tensor (4) must match the existing "
                        "size (3) at non-singleton dimension 2.  Target sizes: [" +
                            sizes + ", 4].  Tensor sizes: [" + sizes + ", 3]"};
  }
  if (channels != 3) {
    return node_failure{"TypeError", "Cannot handle this data type: (1, 1, " +
                                         std::to_string(channels) + "), |u1"};
  }
  return std::nullopt;
}

node_outcome quantize(node_call& call) {
  DROVER_TRY(image, call.tensor_input("image"));
  DROVER_TRY(colors, call.integer("colors"));
  DROVER_TRY(dither, call.string("dither"));
  if (auto failure = quantize_shape_error(*image)) {
    return *failure;
  }
  if (colors < 1 || colors > 256) {
    return node_failure{"ValueError", "bad number of colors"};
  }
  DROVER_TRY(out, quantize_image(*image, static_cast<int>(colors), dither));
  return node_result{{std::move(out)}, nullptr};
}

// Python's round(): halves to even.
std::int64_t py_round(double v) {
  return static_cast<std::int64_t>(std::nearbyint(v));
}

node_outcome scale_to_total_pixels(node_call& call) {
  DROVER_TRY(image, call.tensor_input("image"));
  DROVER_TRY(method, call.string("upscale_method"));
  DROVER_TRY(megapixels, call.number("megapixels"));
  DROVER_TRY(steps, call.integer("resolution_steps"));
  if (!(megapixels >= 0.01 && megapixels <= 16.0)) {
    return node_failure{"ValueError", "megapixels must be within 0.01..16"};
  }
  if (image->rank() != 4 || steps <= 0) {
    return node_failure{"ValueError",
                        "image must be [B, H, W, C] and resolution_steps "
                        "positive, got " +
                            image->shape_string()};
  }
  const auto w = static_cast<double>(image->dim(2)),
             h = static_cast<double>(image->dim(1));
  const double scale = std::sqrt(megapixels * 1024 * 1024 / (w * h));
  const auto width = py_round(w * scale / static_cast<double>(steps)) * steps;
  const auto height = py_round(h * scale / static_cast<double>(steps)) * steps;
  DROVER_TRY(out, resize_image(*image, width, height, method, "disabled"));
  return node_result{{std::move(out)}, nullptr};
}

node_definition schema_node(const char* class_type, const char* category) {
  node_definition d;
  d.class_type = class_type;
  d.category = category;
  d.python_module = module;
  return d;
}

node_definition blur_definition() {
  auto d = schema_node("ImageBlur", "image/postprocessing");
  d.required("image", "IMAGE", opt::none())
      .required("blur_radius", "INT", opt::integer(1, 1, 31))
      .required("sigma", "FLOAT", opt::number(1.0, 0.1, 10.0, 0.1))
      .output("IMAGE");
  d.run = blur_image;
  mark_v3(d);
  return d;
}

node_definition sharpen_definition() {
  auto d = schema_node("ImageSharpen", "image/postprocessing");
  d.required("image", "IMAGE", opt::none())
      .required("sharpen_radius", "INT", opt::integer(1, 1, 31))
      .required("sigma", "FLOAT", opt::number(1.0, 0.1, 10.0, 0.01))
      .required("alpha", "FLOAT", opt::number(1.0, 0.0, 5.0, 0.01))
      .output("IMAGE");
  d.run = sharpen_image;
  mark_v3(d);
  return d;
}

node_definition blend_definition() {
  auto d = schema_node("ImageBlend", "image/postprocessing");
  d.required("image1", "IMAGE", opt::none())
      .required("image2", "IMAGE", opt::none())
      .required("blend_factor", "FLOAT", opt::number(0.5, 0.0, 1.0, 0.01))
      .required("blend_mode", "COMBO",
                opt::combo({"normal", "multiply", "screen", "overlay", "soft_light",
                            "difference"}))
      .output("IMAGE");
  d.run = blend;
  mark_v3(d);
  return d;
}

node_definition quantize_definition() {
  auto d = schema_node("ImageQuantize", "image/postprocessing");
  d.required("image", "IMAGE", opt::none())
      .required("colors", "INT", opt::integer(256, 1, 256))
      .required("dither", "COMBO",
                opt::combo({"none", "floyd-steinberg", "bayer-2", "bayer-4", "bayer-8",
                            "bayer-16"}))
      .output("IMAGE");
  d.run = quantize;
  mark_v3(d);
  return d;
}

node_definition scale_to_total_pixels_definition() {
  auto d = schema_node("ImageScaleToTotalPixels", "image/upscaling");
  d.required("image", "IMAGE", opt::none())
      .required("upscale_method", "COMBO",
                opt::combo({"nearest-exact", "bilinear", "area", "bicubic", "lanczos"}))
      .required("megapixels", "FLOAT", opt::number(1.0, 0.01, 16.0, 0.01))
      .required("resolution_steps", "INT", {{"default", 1}, {"min", 1}, {"max", 256}})
      .output("IMAGE");
  d.run = scale_to_total_pixels;
  mark_v3(d);
  return d;
}

}  // namespace

actors::result<void> register_postprocessing_nodes(node_registry& registry) {
  DROVER_TRYV(registry.add(blur_definition()));
  DROVER_TRYV(registry.add(sharpen_definition()));
  DROVER_TRYV(registry.add(blend_definition()));
  DROVER_TRYV(registry.add(quantize_definition()));
  DROVER_TRYV(registry.add(scale_to_total_pixels_definition()));
  return actors::ok();
}

}  // namespace drover::worker
