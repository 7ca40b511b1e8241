#include "worker/image_composite_nodes.hpp"

#include <algorithm>

#include "worker/comfy_v3.hpp"
#include "worker/image_resize.hpp"
#include "worker/input_options.hpp"
#include "worker/node_call.hpp"

namespace drover::worker {

namespace {

namespace opt = input_options;

constexpr std::int64_t max_resolution = 16384;

struct margins {
  std::int64_t left, top, right, bottom;
};

/// ComfyUI's feathering: inside the image, a pixel closer than `feathering`
/// to a padded side gets ((feathering - d) / feathering)^2, computed in double.
void feather(float* mask, std::int64_t mask_w, std::int64_t h, std::int64_t w,
             const margins& m, std::int64_t feathering) {
  for (std::int64_t i = 0; i < h; ++i) {
    for (std::int64_t j = 0; j < w; ++j) {
      auto d = std::min({m.top != 0 ? i : h, m.bottom != 0 ? h - i : h,
                         m.left != 0 ? j : w, m.right != 0 ? w - j : w});
      double v = 0.0;
      if (d < feathering) {
        v = static_cast<double>(feathering - d) / static_cast<double>(feathering);
      }
      mask[(m.top + i) * mask_w + m.left + j] = static_cast<float>(v * v);
    }
  }
}

node_outcome pad_for_outpaint(node_call& call) {
  DROVER_TRY(image, call.tensor_input("image"));
  DROVER_TRY(left, call.integer("left"));
  DROVER_TRY(top, call.integer("top"));
  DROVER_TRY(right, call.integer("right"));
  DROVER_TRY(bottom, call.integer("bottom"));
  DROVER_TRY(feathering, call.integer("feathering"));
  const margins m{left, top, right, bottom};
  const bool in_range =
      std::min({left, top, right, bottom, feathering}) >= 0 &&
      std::max({left, top, right, bottom, feathering}) <= max_resolution;
  if (image->rank() != 4 || !in_range) {
    return node_failure{"ValueError",
                        "image must be [B, H, W, C] and margins within 0..16384, got " +
                            image->shape_string()};
  }
  const auto batch = image->dim(0), h = image->dim(1), w = image->dim(2),
             c = image->dim(3);
  const auto out_h = h + top + bottom, out_w = w + left + right;
  DROVER_TRY(out, tensor::allocate({batch, out_h, out_w, c}));
  std::fill_n(out->data(), out->size(), 0.5f);
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t y = 0; y < h; ++y) {
      std::copy_n(image->data() + (b * h + y) * w * c, w * c,
                  out->data() + ((b * out_h + top + y) * out_w + left) * c);
    }
  }

  // The mask is one image whatever the batch: 1 outside, 0 or feathered inside.
  DROVER_TRY(mask, tensor::allocate({1, out_h, out_w}));
  std::fill_n(mask->data(), mask->size(), 1.0f);
  const bool feathered = feathering > 0 && feathering * 2 < h && feathering * 2 < w;
  feather(mask->data(), out_w, h, w, m, feathered ? feathering : 0);
  return node_result{{tensor_ptr{std::move(out)}, tensor_ptr{std::move(mask)}}, nullptr};
}

/// `t` [B, H, W] as a one-channel image [B, H, W, 1].
actors::result<tensor_ptr> as_image(const tensor& t) {
  DROVER_TRY(out, tensor::allocate({t.dim(0), t.dim(1), t.dim(2), 1}));
  std::copy_n(t.data(), t.size(), out->data());
  return tensor_ptr{std::move(out)};
}

/// The mask ComfyUI's composite uses: bilinear to the source's size.
actors::result<tensor_ptr> fitted_mask(const node_call& call, const tensor& source) {
  DROVER_TRY(mask, call.tensor_input("mask"));
  if (mask->rank() < 2) {
    return actors::fail(actors::errc::invalid_input,
                        "mask must be [B, H, W], got " + mask->shape_string());
  }
  const auto mh = mask->dim(mask->rank() - 2), mw = mask->dim(mask->rank() - 1);
  DROVER_TRY(flat, tensor::allocate(
                       {static_cast<std::int64_t>(mask->size()) / (mh * mw), mh, mw}));
  std::copy_n(mask->data(), mask->size(), flat->data());
  DROVER_TRY(image, as_image(*flat));
  return resize_image(*image, source.dim(2), source.dim(1), "bilinear", "disabled");
}

/// A copy of `image` with `channels` channels, the added ones 1 (opaque).
actors::result<std::shared_ptr<tensor>> widened(const tensor& image,
                                                std::int64_t channels) {
  const auto pixels = image.dim(0) * image.dim(1) * image.dim(2), c = image.dim(3);
  DROVER_TRY(out, tensor::allocate({image.dim(0), image.dim(1), image.dim(2), channels}));
  for (std::int64_t i = 0; i < pixels; ++i) {
    for (std::int64_t ch = 0; ch < channels; ++ch) {
      out->data()[i * channels + ch] = ch < c ? image.data()[i * c + ch] : 1.0f;
    }
  }
  return out;
}

/// Mixes `src` into `out` at (left, top) by `mask` (null: 1), the part that
/// fits; source and mask batches repeat over the destination's.
void paste(tensor& out, const tensor& src, const tensor* mask, std::int64_t left,
           std::int64_t top) {
  const auto batch = out.dim(0), dh = out.dim(1), dw = out.dim(2), c = out.dim(3);
  const auto sh = src.dim(1), sw = src.dim(2), sc = src.dim(3);
  const auto vis_h = std::min(sh, dh - top), vis_w = std::min(sw, dw - left);
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* s_plane = src.data() + (b % src.dim(0)) * sh * sw * sc;
    const float* m_plane = mask ? mask->data() + (b % mask->dim(0)) * sh * sw : nullptr;
    for (std::int64_t py = 0; py < vis_h; ++py) {
      for (std::int64_t px = 0; px < vis_w; ++px) {
        const float m = m_plane ? m_plane[py * sw + px] : 1.0f;
        const float* s = s_plane + (py * sw + px) * sc;
        float* d = out.data() + ((b * dh + top + py) * dw + left + px) * c;
        for (std::int64_t ch = 0; ch < c; ++ch) {
          d[ch] = m * s[ch] + (1.0f - m) * d[ch];
        }
      }
    }
  }
}

/// node_helpers.image_alpha_fix, then the composite itself with multiplier 1.
node_outcome composite(node_call& call) {
  DROVER_TRY(destination, call.tensor_input("destination"));
  DROVER_TRY(source, call.tensor_input("source"));
  DROVER_TRY(x, call.integer("x"));
  DROVER_TRY(y, call.integer("y"));
  DROVER_TRY(resize_source, call.boolean("resize_source"));
  if (destination->rank() != 4 || source->rank() != 4 || x < 0 || y < 0) {
    return node_failure{"ValueError",
                        "composite needs two [B, H, W, C] images and "
                        "x, y >= 0"};
  }
  const auto dh = destination->dim(1), dw = destination->dim(2), dc = destination->dim(3),
             sc = source->dim(3);
  const auto c = dc < sc ? dc : (dc > sc ? dc + 1 : dc);
  if (dc > sc && sc != c) {
    return node_failure{"RuntimeError", "source and destination channels do not match"};
  }
  tensor_ptr src = source;
  if (resize_source) {
    DROVER_TRY(resized, resize_image(*source, dw, dh, "bilinear", "disabled"));
    src = resized;
  }
  tensor_ptr mask;
  if (call.has("mask")) {
    DROVER_TRY(fitted, fitted_mask(call, *src));
    mask = fitted;
  }

  DROVER_TRY(out, widened(*destination, c));
  paste(*out, *src, mask.get(), std::min(x, dw), std::min(y, dh));
  return node_result{{tensor_ptr{std::move(out)}}, nullptr};
}

node_definition pad_for_outpaint_definition() {
  node_definition d;
  d.class_type = "ImagePadForOutpaint";
  d.display_name = "Pad Image for Outpainting";
  d.category = "image";
  d.required("image", "IMAGE")
      .required("left", "INT", opt::integer(0, 0, max_resolution, 8))
      .required("top", "INT", opt::integer(0, 0, max_resolution, 8))
      .required("right", "INT", opt::integer(0, 0, max_resolution, 8))
      .required("bottom", "INT", opt::integer(0, 0, max_resolution, 8))
      .required("feathering", "INT", opt::integer(40, 0, max_resolution))
      .output("IMAGE")
      .output("MASK");
  d.run = pad_for_outpaint;
  return d;
}

node_definition composite_definition() {
  node_definition d;
  d.class_type = "ImageCompositeMasked";
  d.category = "image";
  d.python_module = "comfy_extras.nodes_mask";
  d.required("destination", "IMAGE", opt::none())
      .required("source", "IMAGE", opt::none())
      .required("x", "INT", opt::integer(0, 0, max_resolution))
      .required("y", "INT", opt::integer(0, 0, max_resolution))
      .required("resize_source", "BOOLEAN", opt::boolean(false))
      .optional("mask", "MASK", opt::none())
      .output("IMAGE");
  d.run = composite;
  mark_v3(d);
  return d;
}

}  // namespace

actors::result<void> register_composite_nodes(node_registry& registry) {
  DROVER_TRYV(registry.add(pad_for_outpaint_definition()));
  DROVER_TRYV(registry.add(composite_definition()));
  return actors::ok();
}

}  // namespace drover::worker
