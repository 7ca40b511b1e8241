#include "worker/image_blend.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "worker/image_resize.hpp"

namespace drover::worker {

namespace {

using blend_function = float (*)(float a, float b);

float soft_light_curve(float x) {
  return x <= 0.25f ? ((16 * x - 12) * x + 4) * x : std::sqrt(x);
}

float normal(float, float b) {
  return b;
}
float multiply(float a, float b) {
  return a * b;
}
float screen(float a, float b) {
  return 1 - (1 - a) * (1 - b);
}
float overlay(float a, float b) {
  return a <= 0.5f ? 2 * a * b : 1 - 2 * (1 - a) * (1 - b);
}
float soft_light(float a, float b) {
  return b <= 0.5f ? a - (1 - 2 * b) * a * (1 - a)
                   : a + (2 * b - 1) * (soft_light_curve(a) - a);
}
float difference(float a, float b) {
  return a - b;
}

actors::result<blend_function> find_mode(std::string_view mode) {
  if (mode == "normal")
    return normal;
  if (mode == "multiply")
    return multiply;
  if (mode == "screen")
    return screen;
  if (mode == "overlay")
    return overlay;
  if (mode == "soft_light")
    return soft_light;
  if (mode == "difference")
    return difference;
  return actors::fail(actors::errc::invalid_input,
                      "Unsupported blend mode: " + std::string{mode});
}

/// image2 as image1's shape needs it: cut to image1's channels, then resized.
actors::result<tensor_ptr> fit_second(const tensor& image1, const tensor& image2,
                                      std::int64_t channels) {
  const auto c2 = std::min(image2.dim(3), channels);
  tensor_ptr fitted;
  if (c2 != image2.dim(3)) {
    DROVER_TRY(cut, tensor::allocate({image2.dim(0), image2.dim(1), image2.dim(2), c2}));
    for (std::int64_t p = 0; p < image2.dim(0) * image2.dim(1) * image2.dim(2); ++p) {
      std::copy_n(image2.data() + p * image2.dim(3), c2, cut->data() + p * c2);
    }
    fitted = std::move(cut);
  } else {
    // A non-owning alias: it lives only for this call, while image2 does.
    fitted = std::shared_ptr<const tensor>(std::shared_ptr<const tensor>{}, &image2);
  }
  bool same = fitted->dim(0) == image1.dim(0) && fitted->dim(1) == image1.dim(1) &&
              fitted->dim(2) == image1.dim(2) && c2 == channels;
  if (same) {
    return fitted;
  }
  return resize_image(*fitted, image1.dim(2), image1.dim(1), "bicubic", "center");
}

}  // namespace

actors::result<tensor_ptr> blend_images(const tensor& image1, const tensor& image2,
                                        double factor, std::string_view mode) {
  DROVER_TRY(blend, find_mode(mode));
  if (image1.rank() != 4 || image2.rank() != 4) {
    return actors::fail(actors::errc::invalid_input,
                        "blend needs two [B, H, W, C] images, got " +
                            image1.shape_string() + " and " + image2.shape_string());
  }
  const auto c1 = image1.dim(3);
  const bool alpha_added = c1 > image2.dim(3);
  const auto channels = alpha_added ? c1 + 1 : c1;
  DROVER_TRY(second, fit_second(image1, image2, channels));
  const auto b1 = image1.dim(0), b2 = second->dim(0);
  if ((b1 != b2 && b1 != 1 && b2 != 1) || second->dim(3) != channels) {
    return actors::fail(actors::errc::execution,
                        "The size of tensor a " + image1.shape_string() +
                            " must match the size of tensor b " + second->shape_string());
  }

  const auto batch = std::max(b1, b2), h = image1.dim(1), w = image1.dim(2);
  DROVER_TRY(out, tensor::allocate({batch, h, w, channels}));
  const auto keep = static_cast<float>(1.0 - factor), take = static_cast<float>(factor);
  const auto pixels = h * w;
  float* dst = out->data();
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* a_plane = image1.data() + (b1 == 1 ? 0 : b) * pixels * c1;
    const float* b_plane = second->data() + (b2 == 1 ? 0 : b) * pixels * channels;
    for (std::int64_t p = 0; p < pixels; ++p) {
      for (std::int64_t c = 0; c < channels; ++c) {
        float a = c < c1 ? a_plane[p * c1 + c] : 1.0f;
        float v = a * keep + blend(a, b_plane[p * channels + c]) * take;
        *dst++ = std::clamp(v, 0.0f, 1.0f);
      }
    }
  }
  return tensor_ptr{std::move(out)};
}

}  // namespace drover::worker
