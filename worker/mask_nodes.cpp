#include "worker/mask_nodes.hpp"

#include <algorithm>
#include <string>

#include "worker/comfy_v3.hpp"
#include "worker/image_resize.hpp"
#include "worker/node_call.hpp"

namespace drover::worker {

namespace {

constexpr std::int64_t max_resolution = 16384;

json int_options(std::int64_t def, std::int64_t min, std::int64_t max) {
  return {{"default", def}, {"min", min}, {"max", max}, {"step", 1}};
}

node_outcome one(std::shared_ptr<tensor> out) {
  return node_result{{tensor_ptr{std::move(out)}}, nullptr};
}

/// The mask input `name` as ComfyUI's `mask.reshape((-1, H, W))` sees it.
struct mask_view {
  tensor_ptr t;
  std::int64_t batch = 0, height = 0, width = 0;
  const float* at(std::int64_t b) const { return t->data() + b * height * width; }
};

actors::result<mask_view> mask_input(const node_call& call, std::string_view name) {
  DROVER_TRY(t, call.tensor_input(name));
  if (t->rank() < 2) {
    return actors::fail(actors::errc::invalid_input,
                        std::string{name} + " must be a MASK, got " + t->shape_string());
  }
  mask_view m;
  m.height = t->dim(t->rank() - 2);
  m.width = t->dim(t->rank() - 1);
  m.batch = static_cast<std::int64_t>(t->size()) / (m.height * m.width);
  m.t = std::move(t);
  return m;
}

actors::result<tensor_ptr> image_input(const node_call& call, std::string_view name) {
  DROVER_TRY(t, call.tensor_input(name));
  if (t->rank() != 4) {
    return actors::fail(
        actors::errc::invalid_input,
        std::string{name} + " must be [B, H, W, C], got " + t->shape_string());
  }
  return t;
}

node_outcome solid_mask(node_call& call) {
  DROVER_TRY(value, call.number("value"));
  DROVER_TRY(width, call.integer("width"));
  DROVER_TRY(height, call.integer("height"));
  DROVER_TRY(out, tensor::allocate({1, height, width}));
  std::fill(out->data(), out->data() + out->size(), static_cast<float>(value));
  return one(std::move(out));
}

node_outcome invert_mask(node_call& call) {
  DROVER_TRY(mask, call.tensor_input("mask"));
  DROVER_TRY(out, tensor::allocate(mask->shape()));
  std::transform(mask->data(), mask->data() + mask->size(), out->data(),
                 [](float v) { return 1.0f - v; });
  return one(std::move(out));
}

node_outcome image_to_mask(node_call& call) {
  DROVER_TRY(image, image_input(call, "image"));
  DROVER_TRY(channel, call.string("channel"));
  static const std::vector<std::string> names{"red", "green", "blue", "alpha"};
  auto found = std::find(names.begin(), names.end(), channel);
  if (found == names.end()) {
    return node_failure{"ValueError", "'" + channel + "' is not in list"};
  }
  auto index = found - names.begin();
  const auto channels = image->dim(3);
  if (index >= channels) {
    return node_failure{"IndexError", "index " + std::to_string(index) +
                                          " is out of bounds for dimension 3 with size " +
                                          std::to_string(channels)};
  }
  DROVER_TRY(out, tensor::allocate({image->dim(0), image->dim(1), image->dim(2)}));
  for (std::size_t i = 0; i < out->size(); ++i) {
    out->data()[i] = image->data()[i * channels + index];
  }
  return one(std::move(out));
}

node_outcome mask_to_image(node_call& call) {
  DROVER_TRY(mask, mask_input(call, "mask"));
  DROVER_TRY(out, tensor::allocate({mask.batch, mask.height, mask.width, 3}));
  for (std::size_t i = 0; i < mask.t->size(); ++i) {
    std::fill_n(out->data() + i * 3, 3, mask.t->data()[i]);
  }
  return one(std::move(out));
}

node_outcome threshold_mask(node_call& call) {
  DROVER_TRY(mask, call.tensor_input("mask"));
  DROVER_TRY(value, call.number("value"));
  // torch compares a float32 tensor with a Python float in float32.
  const auto limit = static_cast<float>(value);
  DROVER_TRY(out, tensor::allocate(mask->shape()));
  std::transform(mask->data(), mask->data() + mask->size(), out->data(),
                 [limit](float v) { return v > limit ? 1.0f : 0.0f; });
  return one(std::move(out));
}

node_outcome crop_mask(node_call& call) {
  DROVER_TRY(mask, mask_input(call, "mask"));
  DROVER_TRY(x, call.integer("x"));
  DROVER_TRY(y, call.integer("y"));
  DROVER_TRY(width, call.integer("width"));
  DROVER_TRY(height, call.integer("height"));

  // Python slicing clamps the window to the mask.
  const auto x0 = std::min(x, mask.width), y0 = std::min(y, mask.height);
  const auto w = std::min(x0 + width, mask.width) - x0;
  const auto h = std::min(y0 + height, mask.height) - y0;
  if (w <= 0 || h <= 0) {
    // TODO(#3): ComfyUI returns an empty tensor here; drover's tensors cannot be.
    return node_failure{
        "ValueError", "crop window lies outside the " + mask.t->shape_string() + " mask"};
  }
  DROVER_TRY(out, tensor::allocate({mask.batch, h, w}));
  float* dst = out->data();
  for (std::int64_t b = 0; b < mask.batch; ++b) {
    for (std::int64_t r = 0; r < h; ++r) {
      const float* row = mask.at(b) + (y0 + r) * mask.width + x0;
      dst = std::copy(row, row + w, dst);
    }
  }
  return one(std::move(out));
}

/// One step of scipy's grey_dilation (or erosion) with a 3x3 cross or square
/// footprint; the edge is reflected, which for radius one repeats the edge.
void grow_step(const float* in, float* out, std::int64_t h, std::int64_t w, bool dilate,
               bool square) {
  for (std::int64_t r = 0; r < h; ++r) {
    for (std::int64_t c = 0; c < w; ++c) {
      float best = in[r * w + c];
      for (int dr = -1; dr <= 1; ++dr) {
        for (int dc = -1; dc <= 1; ++dc) {
          if (!square && dr != 0 && dc != 0) {
            continue;
          }
          auto rr = std::clamp<std::int64_t>(r + dr, 0, h - 1);
          auto cc = std::clamp<std::int64_t>(c + dc, 0, w - 1);
          float v = in[rr * w + cc];
          best = dilate ? std::max(best, v) : std::min(best, v);
        }
      }
      out[r * w + c] = best;
    }
  }
}

node_outcome grow_mask(node_call& call) {
  DROVER_TRY(mask, mask_input(call, "mask"));
  DROVER_TRY(expand, call.integer("expand"));
  DROVER_TRY(tapered, call.boolean("tapered_corners"));
  DROVER_TRY(out, tensor::allocate({mask.batch, mask.height, mask.width}));
  std::copy(mask.t->data(), mask.t->data() + mask.t->size(), out->data());

  const auto plane = static_cast<std::size_t>(mask.height * mask.width);
  std::vector<float> scratch(plane);
  for (std::int64_t b = 0; b < mask.batch; ++b) {
    float* m = out->data() + b * plane;
    for (std::int64_t i = 0; i < std::abs(expand); ++i) {
      if (call.environment().interrupted()) {
        return node_failure{node_failure::interrupt_type, "Processing interrupted"};
      }
      grow_step(m, scratch.data(), mask.height, mask.width, expand > 0, !tapered);
      std::copy(scratch.begin(), scratch.end(), m);
    }
  }
  return one(std::move(out));
}

/// Scales row or column `index` of every plane by `rate` (float32, as torch).
void scale_line(tensor& t, const mask_view& m, bool column, std::int64_t index,
                double rate) {
  const auto f = static_cast<float>(rate);
  for (std::int64_t b = 0; b < m.batch; ++b) {
    float* plane = t.data() + b * m.height * m.width;
    if (column) {
      for (std::int64_t r = 0; r < m.height; ++r) {
        plane[r * m.width + index] *= f;
      }
    } else {
      for (std::int64_t c = 0; c < m.width; ++c) {
        plane[index * m.width + c] *= f;
      }
    }
  }
}

node_outcome feather_mask(node_call& call) {
  DROVER_TRY(mask, mask_input(call, "mask"));
  DROVER_TRY(left, call.integer("left"));
  DROVER_TRY(top, call.integer("top"));
  DROVER_TRY(right, call.integer("right"));
  DROVER_TRY(bottom, call.integer("bottom"));
  DROVER_TRY(out, tensor::allocate({mask.batch, mask.height, mask.width}));
  std::copy(mask.t->data(), mask.t->data() + mask.t->size(), out->data());
  left = std::min(left, mask.width);
  right = std::min(right, mask.width);
  top = std::min(top, mask.height);
  bottom = std::min(bottom, mask.height);

  // ComfyUI indexes the right and bottom edges as `-x`, so step 0 lands on the
  // first column (row), not the last; drover keeps that to give equal results.
  auto from_end = [](std::int64_t x, std::int64_t size) {
    return x == 0 ? 0 : size - x;
  };
  for (std::int64_t x = 0; x < left; ++x) {
    scale_line(*out, mask, true, x, (x + 1.0) / left);
  }
  for (std::int64_t x = 0; x < right; ++x) {
    scale_line(*out, mask, true, from_end(x, mask.width), (x + 1.0) / right);
  }
  for (std::int64_t y = 0; y < top; ++y) {
    scale_line(*out, mask, false, y, (y + 1.0) / top);
  }
  for (std::int64_t y = 0; y < bottom; ++y) {
    scale_line(*out, mask, false, from_end(y, mask.height), (y + 1.0) / bottom);
  }
  return one(std::move(out));
}

node_outcome join_image_with_alpha(node_call& call) {
  DROVER_TRY(image, image_input(call, "image"));
  DROVER_TRY(alpha, mask_input(call, "alpha"));
  const auto h = image->dim(1), w = image->dim(2), c = image->dim(3);
  const auto batch = std::min(image->dim(0), alpha.batch);
  // ComfyUI keeps the first three channels (all of them when there are fewer)
  // and appends the alpha after them.
  const auto kept = std::min<std::int64_t>(c, 3);

  // resize_mask: a bilinear interpolate of the [-1, H, W] mask to the image size.
  DROVER_TRY(as_image, tensor::allocate({alpha.batch, alpha.height, alpha.width, 1}));
  std::copy(alpha.t->data(), alpha.t->data() + alpha.t->size(), as_image->data());
  DROVER_TRY(resized, resize_image(*as_image, w, h, "bilinear", "disabled"));

  DROVER_TRY(out, tensor::allocate({batch, h, w, kept + 1}));
  for (std::int64_t p = 0; p < batch * h * w; ++p) {
    float* dst = out->data() + p * (kept + 1);
    std::copy_n(image->data() + p * c, kept, dst);
    dst[kept] = 1.0f - resized->data()[p];
  }
  return one(std::move(out));
}

node_outcome split_image_with_alpha(node_call& call) {
  DROVER_TRY(image, image_input(call, "image"));
  const auto b = image->dim(0), h = image->dim(1), w = image->dim(2), c = image->dim(3);
  // As a `[:, :, :3]` slice: an image of fewer channels keeps them all.
  const auto kept = std::min<std::int64_t>(c, 3);
  DROVER_TRY(rgb, tensor::allocate({b, h, w, kept}));
  DROVER_TRY(mask, tensor::allocate({b, h, w}));
  for (std::int64_t p = 0; p < b * h * w; ++p) {
    std::copy_n(image->data() + p * c, kept, rgb->data() + p * kept);
    mask->data()[p] = c > 3 ? 1.0f - image->data()[p * c + 3] : 0.0f;
  }
  return node_result{{tensor_ptr{std::move(rgb)}, tensor_ptr{std::move(mask)}}, nullptr};
}

node_definition mask_class(std::string name, node_function run,
                           std::string display_name = {}) {
  node_definition d;
  d.class_type = std::move(name);
  d.display_name = std::move(display_name);
  d.category = "mask";
  d.python_module = "comfy_extras.nodes_mask";
  d.run = std::move(run);
  return d;
}

std::vector<node_definition> definitions() {
  std::vector<node_definition> all;
  all.reserve(10);  // the references below must outlive every emplace_back
  auto& solid = all.emplace_back(mask_class("SolidMask", solid_mask));
  solid
      .required("value", "FLOAT",
                {{"default", 1.0}, {"min", 0.0}, {"max", 1.0}, {"step", 0.01}})
      .required("width", "INT", int_options(512, 1, max_resolution))
      .required("height", "INT", int_options(512, 1, max_resolution))
      .output("MASK");
  all.emplace_back(mask_class("InvertMask", invert_mask))
      .required("mask", "MASK", json::object())
      .output("MASK");
  auto combo = v3_combo({"red", "green", "blue", "alpha"});
  all.emplace_back(mask_class("ImageToMask", image_to_mask, "Convert Image to Mask"))
      .required("image", "IMAGE", json::object())
      .required("channel", combo.first, combo.second)
      .output("MASK");
  all.emplace_back(mask_class("MaskToImage", mask_to_image, "Convert Mask to Image"))
      .required("mask", "MASK", json::object())
      .output("IMAGE");
  all.emplace_back(mask_class("ThresholdMask", threshold_mask))
      .required("mask", "MASK", json::object())
      .required("value", "FLOAT",
                {{"default", 0.5}, {"min", 0.0}, {"max", 1.0}, {"step", 0.01}})
      .output("MASK");
  all.emplace_back(mask_class("CropMask", crop_mask))
      .required("mask", "MASK", json::object())
      .required("x", "INT", int_options(0, 0, max_resolution))
      .required("y", "INT", int_options(0, 0, max_resolution))
      .required("width", "INT", int_options(512, 1, max_resolution))
      .required("height", "INT", int_options(512, 1, max_resolution))
      .output("MASK");
  all.emplace_back(mask_class("GrowMask", grow_mask, "Grow Mask"))
      .required("mask", "MASK", json::object())
      .required("expand", "INT", int_options(0, -max_resolution, max_resolution))
      .required("tapered_corners", "BOOLEAN", {{"default", true}})
      .output("MASK");
  auto& feather = all.emplace_back(mask_class("FeatherMask", feather_mask));
  feather.required("mask", "MASK", json::object());
  for (auto side : {"left", "top", "right", "bottom"}) {
    feather.required(side, "INT", int_options(0, 0, max_resolution));
  }
  feather.output("MASK");

  auto& join = all.emplace_back(
      mask_class("JoinImageWithAlpha", join_image_with_alpha, "Join Image with Alpha"));
  join.required("image", "IMAGE", json::object())
      .required("alpha", "MASK", json::object())
      .output("IMAGE");
  auto& split = all.emplace_back(mask_class("SplitImageWithAlpha", split_image_with_alpha,
                                            "Split Image with Alpha"));
  split.required("image", "IMAGE", json::object()).output("IMAGE").output("MASK");
  for (auto* d : {&join, &split}) {
    d->category = "mask/compositing";
    d->python_module = "comfy_extras.nodes_compositing";
  }
  return all;
}

}  // namespace

actors::result<void> register_mask_nodes(node_registry& registry) {
  for (auto& d : definitions()) {
    mark_v3(d);
    DROVER_TRYV(registry.add(std::move(d)));
  }
  return actors::ok();
}

}  // namespace drover::worker
