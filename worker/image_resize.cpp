#include "worker/image_resize.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "worker/image_lanczos.hpp"

namespace drover::worker {

namespace {

/// The source samples of one output index along one axis.
struct taps {
  std::vector<std::int64_t> index;  ///< source index, `count` per output
  std::vector<float> weight;
  std::size_t count = 0;
};

using tap_builder = void (*)(taps&, std::int64_t in, std::int64_t out, std::int64_t dst);

// torch computes the scale as input/output in float when no factor is given.
float axis_scale(std::int64_t in, std::int64_t out) {
  return static_cast<float>(in) / static_cast<float>(out);
}

void nearest_exact_taps(taps& t, std::int64_t in, std::int64_t out, std::int64_t dst) {
  float src = std::floor((static_cast<float>(dst) + 0.5f) * axis_scale(in, out));
  t.index.push_back(std::min(static_cast<std::int64_t>(src), in - 1));
  t.weight.push_back(1.0f);
}

void bilinear_taps(taps& t, std::int64_t in, std::int64_t out, std::int64_t dst) {
  float src = axis_scale(in, out) * (static_cast<float>(dst) + 0.5f) - 0.5f;
  src = std::max(src, 0.0f);
  auto i0 = static_cast<std::int64_t>(src);
  auto i1 = i0 + (i0 < in - 1 ? 1 : 0);
  float lambda1 = src - static_cast<float>(i0);
  t.index.insert(t.index.end(), {i0, i1});
  t.weight.insert(t.weight.end(), {1.0f - lambda1, lambda1});
}

// Keys' cubic convolution with A = -0.75, as torch's upsample_bicubic2d.
float cubic_near(float x) {
  constexpr float a = -0.75f;
  return ((a + 2) * x - (a + 3)) * x * x + 1;
}

float cubic_far(float x) {
  constexpr float a = -0.75f;
  return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}

void bicubic_taps(taps& t, std::int64_t in, std::int64_t out, std::int64_t dst) {
  float src = axis_scale(in, out) * (static_cast<float>(dst) + 0.5f) - 0.5f;
  float base = std::floor(src);
  float f = src - base;
  const float weights[4] = {cubic_far(f + 1), cubic_near(f), cubic_near(1 - f),
                            cubic_far(2 - f)};
  for (int k = 0; k < 4; ++k) {
    auto i = static_cast<std::int64_t>(base) - 1 + k;
    t.index.push_back(std::clamp<std::int64_t>(i, 0, in - 1));
    t.weight.push_back(weights[k]);
  }
}

// torch's "area" is adaptive average pooling: window [floor(i*in/out),
// ceil((i+1)*in/out)). Windows differ in size, so pad to the widest with
// zero weights.
void area_taps(taps& t, std::int64_t in, std::int64_t out, std::int64_t dst) {
  auto start = dst * in / out;
  auto end = ((dst + 1) * in + out - 1) / out;
  auto widest = static_cast<std::int64_t>(t.count);
  float w = 1.0f / static_cast<float>(end - start);
  for (std::int64_t k = 0; k < widest; ++k) {
    bool inside = start + k < end;
    t.index.push_back(inside ? start + k : start);
    t.weight.push_back(inside ? w : 0.0f);
  }
}

taps make_taps(tap_builder build, std::size_t count, std::int64_t in, std::int64_t out) {
  taps t;
  t.count = count;
  for (std::int64_t dst = 0; dst < out; ++dst) {
    build(t, in, out, dst);
  }
  return t;
}

struct method_info {
  tap_builder build;
  std::size_t count;
};

actors::result<method_info> find_method(std::string_view method, std::int64_t in,
                                        std::int64_t out) {
  if (method == "nearest-exact") {
    return method_info{nearest_exact_taps, 1};
  }
  if (method == "bilinear") {
    return method_info{bilinear_taps, 2};
  }
  if (method == "bicubic") {
    return method_info{bicubic_taps, 4};
  }
  if (method == "area") {
    return method_info{area_taps, static_cast<std::size_t>((in + out - 1) / out + 1)};
  }
  return actors::fail(actors::errc::invalid_input,
                      "unknown upscale_method '" + std::string{method} + "'");
}

/// The source window left after ComfyUI's centre crop: offsets and sizes.
struct window {
  std::int64_t x = 0, y = 0, width = 0, height = 0;
};

// Python's round() rounds halves to even, as nearbyint does by default.
std::int64_t py_round(double v) {
  return static_cast<std::int64_t>(std::nearbyint(v));
}

window crop_window(std::int64_t w, std::int64_t h, std::int64_t tw, std::int64_t th,
                   bool center) {
  window win{0, 0, w, h};
  if (!center) {
    return win;
  }
  double old_aspect = static_cast<double>(w) / static_cast<double>(h);
  double new_aspect = static_cast<double>(tw) / static_cast<double>(th);
  if (old_aspect > new_aspect) {
    win.x = py_round((w - w * (new_aspect / old_aspect)) / 2);
  } else if (old_aspect < new_aspect) {
    win.y = py_round((h - h * (old_aspect / new_aspect)) / 2);
  }
  win.width = w - 2 * win.x;
  win.height = h - 2 * win.y;
  return win;
}

/// Resamples `count` rows (each `stride` floats apart) along x into `dst`.
void resample_rows(const float* src, std::int64_t stride, std::int64_t count,
                   std::int64_t channels, const taps& xs, std::int64_t width,
                   float* dst) {
  for (std::int64_t r = 0; r < count; ++r) {
    const float* row = src + r * stride;
    for (std::int64_t x = 0; x < width; ++x) {
      const std::int64_t* index = &xs.index[x * xs.count];
      const float* weight = &xs.weight[x * xs.count];
      for (std::int64_t c = 0; c < channels; ++c) {
        float sum = 0.0f;
        for (std::size_t t = 0; t < xs.count; ++t) {
          sum += weight[t] * row[index[t] * channels + c];
        }
        *dst++ = sum;
      }
    }
  }
}

/// Combines rows of `row_len` floats along y into `height` output rows.
void resample_columns(const float* rows, std::int64_t row_len, const taps& ys,
                      std::int64_t height, float* dst) {
  for (std::int64_t y = 0; y < height; ++y) {
    float* out = dst + y * row_len;
    std::fill(out, out + row_len, 0.0f);
    for (std::size_t t = 0; t < ys.count; ++t) {
      const float* row = rows + ys.index[y * ys.count + t] * row_len;
      float w = ys.weight[y * ys.count + t];
      for (std::int64_t i = 0; i < row_len; ++i) {
        out[i] += w * row[i];
      }
    }
  }
}

/// A copy of the `win` part of every image of the batch.
actors::result<tensor_ptr> crop_image(const tensor& image, const window& win) {
  const auto batch = image.dim(0), in_h = image.dim(1), in_w = image.dim(2),
             c = image.dim(3);
  DROVER_TRY(out, tensor::allocate({batch, win.height, win.width, c}));
  float* dst = out->data();
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t y = 0; y < win.height; ++y) {
      const float* row = image.data() + ((b * in_h + win.y + y) * in_w + win.x) * c;
      dst = std::copy(row, row + win.width * c, dst);
    }
  }
  return tensor_ptr{std::move(out)};
}

}  // namespace

actors::result<tensor_ptr> resize_image(const tensor& image, std::int64_t width,
                                        std::int64_t height, std::string_view method,
                                        std::string_view crop) {
  if (crop != "disabled" && crop != "center") {
    return actors::fail(actors::errc::invalid_input,
                        "unknown crop '" + std::string{crop} + "'");
  }
  if (image.rank() != 4 || width <= 0 || height <= 0) {
    return actors::fail(actors::errc::invalid_input,
                        "cannot resize a tensor of shape " + image.shape_string());
  }
  const auto batch = image.dim(0), in_h = image.dim(1), in_w = image.dim(2),
             channels = image.dim(3);
  auto win = crop_window(in_w, in_h, width, height, crop == "center");
  if (win.width <= 0 || win.height <= 0) {
    return actors::fail(actors::errc::invalid_input, "crop leaves an empty image");
  }
  if (method == "lanczos" && win.width == in_w && win.height == in_h) {
    return lanczos_resize(image, width, height);
  }
  if (method == "lanczos") {
    DROVER_TRY(cropped, crop_image(image, win));
    return lanczos_resize(*cropped, width, height);
  }
  DROVER_TRY(along_x, find_method(method, win.width, width));
  DROVER_TRY(along_y, find_method(method, win.height, height));
  auto xs = make_taps(along_x.build, along_x.count, win.width, width);
  auto ys = make_taps(along_y.build, along_y.count, win.height, height);
  DROVER_TRY(out, tensor::allocate({batch, height, width, channels}));

  // torch sums each source row along x first, then the rows along y; doing
  // all rows along x once keeps that order of operations, so the same floats.
  std::vector<float> rows(win.height * width * channels);
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* plane =
        image.data() + (b * in_h + win.y) * in_w * channels + win.x * channels;
    resample_rows(plane, in_w * channels, win.height, channels, xs, width, rows.data());
    resample_columns(rows.data(), width * channels, ys, height,
                     out->data() + b * height * width * channels);
  }
  return tensor_ptr{std::move(out)};
}

}  // namespace drover::worker
