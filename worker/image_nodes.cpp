#include "worker/image_nodes.hpp"

#include <cmath>

#include "worker/image_resize.hpp"
#include "worker/image_row_kernels.hpp"
#include "worker/node_call.hpp"

namespace drover::worker {

namespace {

json int_options(std::int64_t def, std::int64_t min, std::int64_t max) {
  return {{"default", def}, {"min", min}, {"max", max}, {"step", 1}};
}

node_outcome empty_image(node_call& call) {
  DROVER_TRY(width, call.integer("width"));
  DROVER_TRY(height, call.integer("height"));
  DROVER_TRY(batch, call.integer("batch_size"));
  DROVER_TRY(color, call.integer("color"));
  DROVER_TRY(image, tensor::allocate({batch, height, width, 3}));

  // ComfyUI divides each 8-bit channel by 0xFF in double, then stores float32.
  const float rgb[3] = {static_cast<float>(((color >> 16) & 0xFF) / 255.0),
                        static_cast<float>(((color >> 8) & 0xFF) / 255.0),
                        static_cast<float>((color & 0xFF) / 255.0)};
  float* out = image->data();
  for (std::size_t i = 0; i < image->size(); i += 3) {
    out[i] = rgb[0];
    out[i + 1] = rgb[1];
    out[i + 2] = rgb[2];
  }
  return node_result{{tensor_ptr{std::move(image)}}, nullptr};
}

node_outcome invert_image(node_call& call) {
  DROVER_TRY(image, call.tensor_input("image"));
  DROVER_TRY(out, tensor::allocate(image->shape()));
  subtract_from_one(image->data(), image->size(), out->data());
  return node_result{{tensor_ptr{std::move(out)}}, nullptr};
}

node_outcome scale_image(node_call& call) {
  DROVER_TRY(image, call.tensor_input("image"));
  DROVER_TRY(method, call.string("upscale_method"));
  DROVER_TRY(width, call.integer("width"));
  DROVER_TRY(height, call.integer("height"));
  DROVER_TRY(crop, call.string("crop"));
  if (width == 0 && height == 0) {
    return node_result{{image}, nullptr};
  }
  if (image->rank() != 4) {
    return node_failure{"ValueError",
                        "image must be [B, H, W, C], got " + image->shape_string()};
  }

  // A zero side keeps the aspect ratio, rounded as Python's round().
  auto in_h = static_cast<double>(image->dim(1)),
       in_w = static_cast<double>(image->dim(2));
  if (width == 0) {
    width = std::max<std::int64_t>(1, std::llround(std::nearbyint(in_w * height / in_h)));
  } else if (height == 0) {
    height = std::max<std::int64_t>(1, std::llround(std::nearbyint(in_h * width / in_w)));
  }
  DROVER_TRY(out, resize_image(*image, width, height, method, crop));
  return node_result{{std::move(out)}, nullptr};
}

// Python's round(): halves to even.
std::int64_t py_round(double v) {
  return static_cast<std::int64_t>(std::nearbyint(v));
}

node_outcome scale_image_by(node_call& call) {
  DROVER_TRY(image, call.tensor_input("image"));
  DROVER_TRY(method, call.string("upscale_method"));
  DROVER_TRY(factor, call.number("scale_by"));
  if (!(factor >= 0.01 && factor <= 8.0)) {
    return node_failure{"ValueError", "scale_by must be within 0.01..8"};
  }
  if (image->rank() != 4) {
    return node_failure{"ValueError",
                        "image must be [B, H, W, C], got " + image->shape_string()};
  }
  auto width = py_round(static_cast<double>(image->dim(2)) * factor);
  auto height = py_round(static_cast<double>(image->dim(1)) * factor);
  DROVER_TRY(out, resize_image(*image, width, height, method, "disabled"));
  return node_result{{std::move(out)}, nullptr};
}

node_definition empty_image_definition() {
  node_definition d;
  d.class_type = "EmptyImage";
  d.category = "image";
  d.required("width", "INT", int_options(512, 1, 16384))
      .required("height", "INT", int_options(512, 1, 16384))
      .required("batch_size", "INT", {{"default", 1}, {"min", 1}, {"max", 4096}})
      .required("color", "INT",
                {{"default", 0},
                 {"min", 0},
                 {"max", 0xFFFFFF},
                 {"step", 1},
                 {"display", "color"}})
      .output("IMAGE");
  d.run = empty_image;
  return d;
}

node_definition invert_definition() {
  node_definition d;
  d.class_type = "ImageInvert";
  d.display_name = "Invert Image";
  d.category = "image";
  d.required("image", "IMAGE").output("IMAGE");
  d.run = invert_image;
  return d;
}

node_definition scale_definition() {
  node_definition d;
  d.class_type = "ImageScale";
  d.display_name = "Upscale Image";
  d.category = "image/upscaling";
  d.required("image", "IMAGE")
      .required("upscale_method",
                json::array({"nearest-exact", "bilinear", "area", "bicubic", "lanczos"}))
      .required("width", "INT", int_options(512, 0, 16384))
      .required("height", "INT", int_options(512, 0, 16384))
      .required("crop", json::array({"disabled", "center"}))
      .output("IMAGE");
  d.run = scale_image;
  return d;
}

node_definition scale_by_definition() {
  node_definition d;
  d.class_type = "ImageScaleBy";
  d.display_name = "Upscale Image By";
  d.category = "image/upscaling";
  d.required("image", "IMAGE")
      .required("upscale_method",
                json::array({"nearest-exact", "bilinear", "area", "bicubic", "lanczos"}))
      .required("scale_by", "FLOAT",
                {{"default", 1.0}, {"min", 0.01}, {"max", 8.0}, {"step", 0.01}})
      .output("IMAGE");
  d.run = scale_image_by;
  return d;
}

}  // namespace

actors::result<void> register_image_nodes(node_registry& registry) {
  DROVER_TRYV(registry.add(empty_image_definition()));
  DROVER_TRYV(registry.add(invert_definition()));
  DROVER_TRYV(registry.add(scale_definition()));
  DROVER_TRYV(registry.add(scale_by_definition()));
  return actors::ok();
}

}  // namespace drover::worker
