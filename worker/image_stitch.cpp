#include "worker/image_stitch.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "worker/image_lanczos.hpp"

namespace drover::worker {

namespace {

/// A [B, H, W, C] image being assembled, as plain values.
struct plane {
  std::int64_t batch = 0, h = 0, w = 0, c = 0;
  std::vector<float> values;

  float& at(std::int64_t b, std::int64_t y, std::int64_t x, std::int64_t ch) {
    return values[((b * h + y) * w + x) * c + ch];
  }
};

plane copy_of(const tensor& t) {
  return {t.dim(0), t.dim(1), t.dim(2), t.dim(3), {t.data(), t.data() + t.size()}};
}

/// The image with its last image repeated up to `batch`.
void extend_batch(plane& p, std::int64_t batch) {
  const auto per_image = p.h * p.w * p.c;
  p.values.reserve(batch * per_image);
  for (auto b = p.batch; b < batch; ++b) {
    p.values.insert(p.values.end(), p.values.end() - per_image, p.values.end());
  }
  p.batch = batch;
}

/// `p` placed centred in a canvas of `h` x `w` filled with `fill`.
void pad_centred(plane& p, std::int64_t h, std::int64_t w, float fill) {
  plane out{p.batch, h, w, p.c, std::vector<float>(p.batch * h * w * p.c, fill)};
  const auto top = (h - p.h) / 2, left = (w - p.w) / 2;
  for (std::int64_t b = 0; b < p.batch; ++b) {
    for (std::int64_t y = 0; y < p.h; ++y) {
      for (std::int64_t x = 0; x < p.w; ++x) {
        std::copy_n(&p.at(b, y, x, 0), p.c, &out.at(b, top + y, left + x, 0));
      }
    }
  }
  p = std::move(out);
}

void add_channels(plane& p, std::int64_t c) {
  plane out{p.batch, p.h, p.w, c, std::vector<float>(p.batch * p.h * p.w * c, 1.0f)};
  for (std::int64_t i = 0; i < p.batch * p.h * p.w; ++i) {
    std::copy_n(p.values.data() + i * p.c, p.c, out.values.data() + i * c);
  }
  p = std::move(out);
}

struct colour {
  bool scalar;
  std::array<float, 3> rgb;
};

actors::result<colour> find_colour(const std::string& name) {
  if (name == "white")
    return colour{true, {1, 1, 1}};
  if (name == "black")
    return colour{true, {0, 0, 0}};
  if (name == "red")
    return colour{false, {1, 0, 0}};
  if (name == "green")
    return colour{false, {0, 1, 0}};
  if (name == "blue")
    return colour{false, {0, 0, 1}};
  return actors::fail(actors::errc::invalid_input, "unknown spacing_color " + name);
}

plane spacing_strip(std::int64_t batch, std::int64_t h, std::int64_t w, std::int64_t c,
                    const colour& col) {
  plane s{batch, h, w, c, std::vector<float>(batch * h * w * c, 0.0f)};
  for (std::int64_t i = 0; i < batch * h * w; ++i) {
    for (std::int64_t ch = 0; ch < std::min<std::int64_t>(3, c); ++ch) {
      s.values[i * c + ch] = col.rgb[ch];
    }
    if (c == 4) {
      s.values[i * c + 3] = 1.0f;
    }
  }
  return s;
}

/// Concatenates along width (`across`) or height; the other sides must agree.
actors::result<tensor_ptr> concatenate(const std::vector<plane*>& parts, bool across) {
  const plane& first = *parts.front();
  std::int64_t total = 0;
  for (const plane* p : parts) {
    if ((across ? p->h != first.h : p->w != first.w) || p->c != first.c) {
      return actors::fail(actors::errc::execution,
                          "Sizes of tensors must match except in the concatenation "
                          "dimension");
    }
    total += across ? p->w : p->h;
  }
  auto h = across ? first.h : total, w = across ? total : first.w;
  DROVER_TRY(out, tensor::allocate({first.batch, h, w, first.c}));
  std::int64_t offset = 0;
  for (plane* p : parts) {
    for (std::int64_t b = 0; b < p->batch; ++b) {
      for (std::int64_t y = 0; y < p->h; ++y) {
        auto oy = across ? y : offset + y, ox = across ? offset : 0;
        std::copy_n(&p->at(b, y, 0, 0), p->w * p->c,
                    out->data() + ((b * h + oy) * w + ox) * first.c);
      }
    }
    offset += across ? p->w : p->h;
  }
  return tensor_ptr{std::move(out)};
}

}  // namespace

actors::result<tensor_ptr> stitch_images(const tensor& image1, const tensor& image2,
                                         const stitch_request& request) {
  const auto& d = request.direction;
  if (d != "right" && d != "left" && d != "up" && d != "down") {
    return actors::fail(actors::errc::invalid_input, "unknown direction " + d);
  }
  if (image1.rank() != 4 || image2.rank() != 4) {
    return actors::fail(actors::errc::invalid_input, "ImageStitch needs two images");
  }
  if (request.spacing_width < 0 || request.spacing_width > 1024) {
    return actors::fail(actors::errc::invalid_input,
                        "spacing_width must be within 0..1024");
  }
  DROVER_TRY(col, find_colour(request.spacing_color));
  const bool across = d == "left" || d == "right";
  auto a = copy_of(image1), b = copy_of(image2);
  const auto batch = std::max(a.batch, b.batch);
  extend_batch(a, batch);
  extend_batch(b, batch);

  if (request.match_image_size) {
    const double aspect = static_cast<double>(b.w) / static_cast<double>(b.h);
    auto th = across ? a.h : static_cast<std::int64_t>(static_cast<double>(a.w) / aspect);
    auto tw = across ? static_cast<std::int64_t>(static_cast<double>(a.h) * aspect) : a.w;
    DROVER_TRY(bt, tensor::allocate({b.batch, b.h, b.w, b.c}));
    std::copy(b.values.begin(), b.values.end(), bt->data());
    DROVER_TRY(resized, lanczos_resize(*bt, tw, th));
    b = copy_of(*resized);
  } else {
    const float fill = col.scalar ? col.rgb[0] : 0.0f;
    if (across && a.h != b.h) {
      auto h = std::max(a.h, b.h);
      pad_centred(a, h, a.w, fill);
      pad_centred(b, h, b.w, fill);
    } else if (!across && a.w != b.w) {
      auto w = std::max(a.w, b.w);
      pad_centred(a, a.h, w, fill);
      pad_centred(b, b.h, w, fill);
    }
  }
  const auto c = std::max(a.c, b.c);
  if (a.c < c)
    add_channels(a, c);
  if (b.c < c)
    add_channels(b, c);

  std::vector<plane*> parts = (d == "left" || d == "up") ? std::vector<plane*>{&b, &a}
                                                         : std::vector<plane*>{&a, &b};
  plane strip;
  if (request.spacing_width > 0) {
    const auto sw = request.spacing_width + request.spacing_width % 2;
    strip = across ? spacing_strip(batch, std::max(a.h, b.h), sw, c, col)
                   : spacing_strip(batch, sw, std::max(a.w, b.w), c, col);
    parts.insert(parts.begin() + 1, &strip);
  }
  return concatenate(parts, across);
}

}  // namespace drover::worker
