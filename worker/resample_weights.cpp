#include "worker/resample_weights.hpp"

#include <algorithm>
#include <cmath>

namespace drover::worker {

namespace {

constexpr double pi = 3.14159265358979323846;

double sinc(double x) {
  if (x == 0.0) {
    return 1.0;
  }
  x *= pi;
  return std::sin(x) / x;
}

double lanczos(double x) {
  return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0;
}

double bilinear(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

}  // namespace

axis_weights make_weights(std::int64_t in_size, std::int64_t out_size,
                          resample_filter filter) {
  const double base_support = filter == resample_filter::lanczos ? 3.0 : 1.0;
  auto kernel = filter == resample_filter::lanczos ? lanczos : bilinear;
  double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  double filter_scale = std::max(scale, 1.0);
  double support = base_support * filter_scale;
  axis_weights a;
  a.ksize = static_cast<std::int64_t>(std::ceil(support)) * 2 + 1;
  a.first.resize(out_size);
  a.count.resize(out_size);
  a.weight.assign(out_size * a.ksize, 0);

  std::vector<double> k(a.ksize);
  for (std::int64_t i = 0; i < out_size; ++i) {
    double center = (static_cast<double>(i) + 0.5) * scale;
    auto lo = std::max(0, static_cast<int>(center - support + 0.5));
    auto hi =
        std::min(static_cast<int>(in_size), static_cast<int>(center + support + 0.5));
    int n = hi - lo;
    double total = 0.0;
    for (int x = 0; x < n; ++x) {
      k[x] = kernel((x + lo - center + 0.5) / filter_scale);
      total += k[x];
    }
    for (int x = 0; x < n; ++x) {
      double w = total != 0.0 ? k[x] / total : k[x];
      double fixed = w * (1 << resample_precision_bits);
      a.weight[i * a.ksize + x] =
          static_cast<std::int32_t>(w < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    a.first[i] = lo;
    a.count[i] = n;
  }
  return a;
}

void premultiply(std::uint8_t* px, std::size_t pixels) {
  for (std::size_t i = 0; i < pixels; ++i, px += 4) {
    for (int ch = 0; ch < 3; ++ch) {
      unsigned t = px[ch] * unsigned{px[3]} + 128;
      px[ch] = static_cast<std::uint8_t>(((t >> 8) + t) >> 8);
    }
  }
}

void unpremultiply(std::uint8_t* px, std::size_t pixels) {
  for (std::size_t i = 0; i < pixels; ++i, px += 4) {
    const unsigned alpha = px[3];
    if (alpha == 0 || alpha == 255) {
      continue;
    }
    for (int ch = 0; ch < 3; ++ch) {
      px[ch] = static_cast<std::uint8_t>(std::min(255u, 255u * px[ch] / alpha));
    }
  }
}

}  // namespace drover::worker
