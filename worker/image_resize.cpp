#include "worker/image_resize.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "worker/image_bislerp.hpp"
#include "worker/image_lanczos.hpp"
#include "worker/image_row_kernels.hpp"

namespace drover::worker {

namespace {

/// The source samples of each output index along one axis: output `i` reads
/// `count` consecutive samples from first[i], an index that may lie outside
/// 0..in-1 and then reads the nearest edge sample (torch clamps indices).
struct taps {
  std::vector<std::int32_t> first;
  std::vector<float> weight;  ///< `count` per output
  std::size_t count = 0;
};

using tap_builder = void (*)(taps&, std::int64_t in, std::int64_t out, std::int64_t dst);

// torch computes the scale as input/output in float when no factor is given.
float axis_scale(std::int64_t in, std::int64_t out) {
  return static_cast<float>(in) / static_cast<float>(out);
}

void push(taps& t, std::int64_t first, std::initializer_list<float> weights) {
  t.first.push_back(static_cast<std::int32_t>(first));
  t.weight.insert(t.weight.end(), weights);
}

void nearest_exact_taps(taps& t, std::int64_t in, std::int64_t out, std::int64_t dst) {
  float src = std::floor((static_cast<float>(dst) + 0.5f) * axis_scale(in, out));
  push(t, std::min(static_cast<std::int64_t>(src), in - 1), {1.0f});
}

// The second sample is clamped to the last one, as torch's i1.
void bilinear_taps(taps& t, std::int64_t in, std::int64_t out, std::int64_t dst) {
  float src = axis_scale(in, out) * (static_cast<float>(dst) + 0.5f) - 0.5f;
  src = std::max(src, 0.0f);
  auto i0 = static_cast<std::int64_t>(src);
  float lambda1 = src - static_cast<float>(i0);
  push(t, i0, {1.0f - lambda1, lambda1});
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
  push(t, static_cast<std::int64_t>(base) - 1,
       {cubic_far(f + 1), cubic_near(f), cubic_near(1 - f), cubic_far(2 - f)});
}

// torch's "area" is adaptive average pooling: window [floor(i*in/out),
// ceil((i+1)*in/out)). Windows differ in size, so pad to the widest with
// zero weights.
void area_taps(taps& t, std::int64_t in, std::int64_t out, std::int64_t dst) {
  auto start = dst * in / out;
  auto end = ((dst + 1) * in + out - 1) / out;
  float w = 1.0f / static_cast<float>(end - start);
  t.first.push_back(static_cast<std::int32_t>(start));
  for (std::size_t k = 0; k < t.count; ++k) {
    t.weight.push_back(start + static_cast<std::int64_t>(k) < end ? w : 0.0f);
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

/// One image [height, width, c] resampled from its source window, a row at a
/// time: source rows go along x into a ring of `count` slots as output rows
/// first need them, then each output row sums its slots along y. Tap indices
/// only grow with the output index and span at most `count` rows, so every
/// source row is resampled along x once and no image-sized scratch is needed.
class separable_resampler {
 public:
  separable_resampler(const taps& xs, const taps& ys, std::int64_t in_w,
                      std::int64_t in_h, std::int64_t channels)
      : xs_(xs), ys_(ys), in_w_(in_w), in_h_(in_h), c_(channels) {
    const auto [lowest, highest] = std::minmax_element(xs.first.begin(), xs.first.end());
    pad_left_ = std::max<std::int64_t>(0, -*lowest);
    const auto pad_right =
        std::max<std::int64_t>(0, *highest + static_cast<std::int64_t>(xs.count) - in_w);
    padded_.resize((pad_left_ + in_w + pad_right) * c_);
    first_.resize(xs.first.size());
    for (std::size_t i = 0; i < first_.size(); ++i) {
      first_[i] = static_cast<std::int32_t>(xs.first[i] + pad_left_);
    }
    row_len_ = static_cast<std::int64_t>(xs.first.size()) * c_;
    ring_.resize(ys.count * row_len_);
    rows_.resize(ys.count);
  }

  /// Resamples the plane whose row y starts at plane + y * stride into dst,
  /// written around the cache: the output is larger than it, as a rule.
  void run(const float* plane, std::int64_t stride, float* dst) {
    held_.assign(ys_.count, -1);
    const auto out_h = static_cast<std::int64_t>(ys_.first.size());
    for (std::int64_t y = 0; y < out_h; ++y) {
      for (std::size_t t = 0; t < ys_.count; ++t) {
        const auto sy = std::clamp<std::int64_t>(
            ys_.first[y] + static_cast<std::int64_t>(t), 0, in_h_ - 1);
        rows_[t] = along_x(plane + sy * stride, sy);
      }
      weighted_row_sum_streaming(rows_.data(), &ys_.weight[y * ys_.count], ys_.count,
                                 row_len_, dst + y * row_len_);
    }
    end_streaming();
  }

 private:
  /// Source row `sy` resampled along x, from its ring slot.
  const float* along_x(const float* row, std::int64_t sy) {
    const auto slot = static_cast<std::size_t>(sy) % ys_.count;
    float* out = ring_.data() + slot * row_len_;
    if (held_[slot] == sy) {
      return out;
    }
    held_[slot] = sy;
    std::copy_n(row, in_w_ * c_, padded_.data() + pad_left_ * c_);
    for (auto x = padded_.data() + pad_left_ * c_; x != padded_.data(); x -= c_) {
      std::copy_n(row, c_, x - c_);
    }
    const float* edge = row + (in_w_ - 1) * c_;
    for (auto x = padded_.data() + (pad_left_ + in_w_) * c_;
         x != padded_.data() + padded_.size(); x += c_) {
      std::copy_n(edge, c_, x);
    }
    resample_pixels(padded_.data(), padded_.size(), first_.data(), xs_.weight.data(),
                    xs_.count, first_.size(), c_, out);
    return out;
  }

  const taps& xs_;
  const taps& ys_;
  std::int64_t in_w_, in_h_, c_, pad_left_ = 0, row_len_ = 0;
  std::vector<float> padded_;
  std::vector<std::int32_t> first_;
  std::vector<float> ring_;
  std::vector<std::int64_t> held_;
  std::vector<const float*> rows_;
};

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
  if (method == "lanczos" || method == "bislerp") {
    const auto resize = method == "lanczos" ? lanczos_resize : bislerp_resize;
    if (win.width == in_w && win.height == in_h) {
      return resize(image, width, height);
    }
    DROVER_TRY(cropped, crop_image(image, win));
    return resize(*cropped, width, height);
  }
  DROVER_TRY(along_x, find_method(method, win.width, width));
  DROVER_TRY(along_y, find_method(method, win.height, height));
  auto xs = make_taps(along_x.build, along_x.count, win.width, width);
  auto ys = make_taps(along_y.build, along_y.count, win.height, height);
  DROVER_TRY(out, tensor::allocate({batch, height, width, channels}));

  // torch sums each source row along x first, then the rows along y; the
  // resampler keeps that order of operations, so the same floats.
  separable_resampler resampler{xs, ys, win.width, win.height, channels};
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* plane =
        image.data() + (b * in_h + win.y) * in_w * channels + win.x * channels;
    resampler.run(plane, in_w * channels, out->data() + b * height * width * channels);
  }
  return tensor_ptr{std::move(out)};
}

}  // namespace drover::worker
