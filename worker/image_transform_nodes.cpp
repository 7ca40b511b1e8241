#include "worker/image_transform_nodes.hpp"

#include <algorithm>

#include "worker/comfy_v3.hpp"
#include "worker/image_resize.hpp"
#include "worker/image_stitch.hpp"
#include "worker/input_options.hpp"
#include "worker/node_call.hpp"

namespace drover::worker {

namespace {

namespace opt = input_options;

constexpr std::int64_t max_resolution = 16384;

node_failure not_an_image(const tensor& t) {
  return {"ValueError", "image must be [B, H, W, C], got " + t.shape_string()};
}

/// Copies pixel (b, sy, sx) of `in` to every (b, y, x) of `out`, for a
/// `source(y, x)` that maps output coordinates to input ones.
template <typename source_of>
node_outcome remap(const tensor& in, std::int64_t out_h, std::int64_t out_w,
                   source_of source) {
  const auto batch = in.dim(0), h = in.dim(1), w = in.dim(2), c = in.dim(3);
  DROVER_TRY(out, tensor::allocate({batch, out_h, out_w, c}));
  float* dst = out->data();
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* plane = in.data() + b * h * w * c;
    for (std::int64_t y = 0; y < out_h; ++y) {
      for (std::int64_t x = 0; x < out_w; ++x) {
        auto [sy, sx] = source(y, x);
        dst = std::copy_n(plane + (sy * w + sx) * c, c, dst);
      }
    }
  }
  return node_result{{tensor_ptr{std::move(out)}}, nullptr};
}

node_outcome crop(node_call& call) {
  DROVER_TRY(image, call.tensor_input("image"));
  DROVER_TRY(width, call.integer("width"));
  DROVER_TRY(height, call.integer("height"));
  DROVER_TRY(x, call.integer("x"));
  DROVER_TRY(y, call.integer("y"));
  if (image->rank() != 4) {
    return not_an_image(*image);
  }
  if (width < 1 || height < 1 || x < 0 || y < 0) {
    return node_failure{"ValueError", "crop needs a positive size and offsets >= 0"};
  }

  // ComfyUI keeps at least the last row and column, then slices what is left.
  x = std::min(x, image->dim(2) - 1);
  y = std::min(y, image->dim(1) - 1);
  auto out_w = std::min(width, image->dim(2) - x);
  auto out_h = std::min(height, image->dim(1) - y);
  return remap(*image, out_h, out_w, [&](auto row, auto col) {
    return std::pair{row + y, col + x};
  });
}

node_outcome flip(node_call& call) {
  DROVER_TRY(image, call.tensor_input("image"));
  DROVER_TRY(method, call.string("flip_method"));
  if (image->rank() != 4) {
    return not_an_image(*image);
  }
  const auto h = image->dim(1), w = image->dim(2);
  if (method.rfind("x", 0) == 0) {
    return remap(*image, h, w, [&](auto y, auto x) { return std::pair{h - 1 - y, x}; });
  }
  if (method.rfind("y", 0) == 0) {
    return remap(*image, h, w, [&](auto y, auto x) { return std::pair{y, w - 1 - x}; });
  }
  return node_result{{image}, nullptr};
}

// torch.rot90(image, k, dims=[2, 1]): k quarter turns clockwise.
node_outcome rotate(node_call& call) {
  DROVER_TRY(image, call.tensor_input("image"));
  DROVER_TRY(rotation, call.string("rotation"));
  if (image->rank() != 4) {
    return not_an_image(*image);
  }
  const auto h = image->dim(1), w = image->dim(2);
  if (rotation.rfind("90", 0) == 0) {
    return remap(*image, w, h, [&](auto y, auto x) { return std::pair{h - 1 - x, y}; });
  }
  if (rotation.rfind("180", 0) == 0) {
    return remap(*image, h, w, [&](auto y, auto x) {
      return std::pair{h - 1 - y, w - 1 - x};
    });
  }
  if (rotation.rfind("270", 0) == 0) {
    return remap(*image, w, h, [&](auto y, auto x) { return std::pair{x, w - 1 - y}; });
  }
  return node_result{{image}, nullptr};
}

node_outcome stitch(node_call& call) {
  DROVER_TRY(image1, call.tensor_input("image1"));
  if (!call.has("image2")) {
    return node_result{{image1}, nullptr};
  }
  stitch_request r;
  DROVER_TRY(image2, call.tensor_input("image2"));
  DROVER_TRY(direction, call.string("direction"));
  DROVER_TRY(match, call.boolean("match_image_size"));
  DROVER_TRY(spacing, call.integer("spacing_width"));
  DROVER_TRY(color, call.string("spacing_color"));
  r.direction = direction;
  r.match_image_size = match;
  r.spacing_width = spacing;
  r.spacing_color = color;
  DROVER_TRY(out, stitch_images(*image1, *image2, r));
  return node_result{{std::move(out)}, nullptr};
}

node_outcome resize_and_pad(node_call& call) {
  DROVER_TRY(image, call.tensor_input("image"));
  DROVER_TRY(target_w, call.integer("target_width"));
  DROVER_TRY(target_h, call.integer("target_height"));
  DROVER_TRY(padding, call.string("padding_color"));
  DROVER_TRY(method, call.string("interpolation"));
  if (image->rank() != 4) {
    return not_an_image(*image);
  }
  const auto batch = image->dim(0), h = image->dim(1), w = image->dim(2),
             c = image->dim(3);
  double scale = std::min(static_cast<double>(target_w) / static_cast<double>(w),
                          static_cast<double>(target_h) / static_cast<double>(h));
  auto new_w = static_cast<std::int64_t>(static_cast<double>(w) * scale);
  auto new_h = static_cast<std::int64_t>(static_cast<double>(h) * scale);
  DROVER_TRY(resized, resize_image(*image, new_w, new_h, method, "disabled"));

  DROVER_TRY(out, tensor::allocate({batch, target_h, target_w, c}));
  std::fill_n(out->data(), out->size(), padding == "black" ? 0.0f : 1.0f);
  const auto top = (target_h - new_h) / 2, left = (target_w - new_w) / 2;
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t y = 0; y < new_h; ++y) {
      const float* row = resized->data() + (b * new_h + y) * new_w * c;
      std::copy_n(row, new_w * c,
                  out->data() + ((b * target_h + top + y) * target_w + left) * c);
    }
  }
  return node_result{{tensor_ptr{std::move(out)}}, nullptr};
}

node_definition schema_node(const char* class_type, const char* display_name = "") {
  node_definition d;
  d.class_type = class_type;
  d.display_name = display_name;
  d.category = "image/transform";
  d.python_module = "comfy_extras.nodes_images";
  d.required("image", "IMAGE", opt::none());
  return d;
}

node_definition crop_definition() {
  auto d = schema_node("ImageCrop", "Image Crop");
  d.required("width", "INT", opt::integer(512, 1, max_resolution))
      .required("height", "INT", opt::integer(512, 1, max_resolution))
      .required("x", "INT", opt::integer(0, 0, max_resolution))
      .required("y", "INT", opt::integer(0, 0, max_resolution))
      .output("IMAGE");
  d.run = crop;
  mark_v3(d);
  return d;
}

node_definition flip_definition() {
  auto d = schema_node("ImageFlip");
  d.required("flip_method", "COMBO",
             opt::combo({"x-axis: vertically", "y-axis: horizontally"}))
      .output("IMAGE");
  d.run = flip;
  mark_v3(d);
  return d;
}

node_definition rotate_definition() {
  auto d = schema_node("ImageRotate");
  d.required("rotation", "COMBO",
             opt::combo({"none", "90 degrees", "180 degrees", "270 degrees"}))
      .output("IMAGE");
  d.run = rotate;
  mark_v3(d);
  return d;
}

node_definition stitch_definition() {
  node_definition d;
  d.class_type = "ImageStitch";
  d.display_name = "Image Stitch";
  d.description = "Stitches image2 to image1 in the specified direction.";
  d.category = "image/transform";
  d.python_module = "comfy_extras.nodes_images";
  d.required("image1", "IMAGE", opt::none())
      .required("direction", "COMBO",
                opt::combo({"right", "down", "left", "up"}, "right"))
      .required("match_image_size", "BOOLEAN", opt::boolean(true))
      .required("spacing_width", "INT", opt::integer(0, 0, 1024, 2))
      .required("spacing_color", "COMBO",
                opt::combo({"white", "black", "red", "green", "blue"}, "white"))
      .optional("image2", "IMAGE", opt::none())
      .output("IMAGE");
  d.run = stitch;
  mark_v3(d);
  return d;
}

node_definition resize_and_pad_definition() {
  auto d = schema_node("ResizeAndPadImage");
  d.required("target_width", "INT", opt::integer(512, 1, max_resolution))
      .required("target_height", "INT", opt::integer(512, 1, max_resolution))
      .required("padding_color", "COMBO", opt::combo({"white", "black"}))
      .required("interpolation", "COMBO",
                opt::combo({"area", "bicubic", "nearest-exact", "bilinear", "lanczos"}))
      .output("IMAGE");
  d.run = resize_and_pad;
  mark_v3(d);
  return d;
}

}  // namespace

actors::result<void> register_transform_nodes(node_registry& registry) {
  DROVER_TRYV(registry.add(crop_definition()));
  DROVER_TRYV(registry.add(flip_definition()));
  DROVER_TRYV(registry.add(rotate_definition()));
  DROVER_TRYV(registry.add(stitch_definition()));
  DROVER_TRYV(registry.add(resize_and_pad_definition()));
  return actors::ok();
}

}  // namespace drover::worker
