#include "worker/image_lanczos.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>
#include <vector>

#include "worker/image_row_kernels.hpp"
#include "worker/resample_weights.hpp"

namespace drover::worker {

namespace {

constexpr int precision_bits = resample_precision_bits;

/// Resamples one row of `in_bytes` bytes along x into `out_w` pixels, one
/// channel at a time (any channel count, any CPU).
void horizontal_row_plain(const std::uint8_t* row, std::int64_t c, const axis_weights& a,
                          std::int64_t x, std::int64_t out_w, std::uint8_t* out) {
  for (; x < out_w; ++x) {
    const std::int32_t* k = &a.weight[x * a.ksize];
    const std::uint8_t* at = row + static_cast<std::int64_t>(a.first[x]) * c;
    for (std::int64_t ch = 0; ch < c; ++ch) {
      out[x * c + ch] = weighted_sum(at + ch, k, a.count[x], c);
    }
  }
}

/// The weights of output pixels x and x + 1 (x even) side by side, tap by
/// tap: four lanes of pixel x's weight, then four of pixel x + 1's.
std::vector<std::int32_t> pair_lanes(const axis_weights& a) {
  const auto pairs = a.first.size() / 2;
  const auto k = static_cast<std::size_t>(a.ksize);
  std::vector<std::int32_t> lanes(pairs * k * 8);
  for (std::size_t p = 0; p < pairs; ++p) {
    for (std::size_t t = 0; t < k; ++t) {
      std::int32_t* to = &lanes[(p * k + t) * 8];
      std::fill_n(to, 4, a.weight[2 * p * k + t]);
      std::fill_n(to + 4, 4, a.weight[(2 * p + 1) * k + t]);
    }
  }
  return lanes;
}

/// As horizontal_row_plain for three or four channels, two pixels per
/// 8-lane vector, one in each half; a pixel's weights past its count are
/// zero, so both run the longer count. With three channels each half reads
/// one byte past its pixel and writes one into the next output pixel
/// (written again right after), so it stops where that would leave a row
/// and returns the first pixel it left (always even).
__attribute__((target("avx2"))) std::int64_t horizontal_row_avx2(
    const std::uint8_t* row, std::int64_t in_bytes, std::int64_t c, const axis_weights& a,
    const std::vector<std::int32_t>& lanes, std::int64_t out_w, std::uint8_t* out) {
  const __m256i half = _mm256_set1_epi32(1 << (precision_bits - 1));
  std::int64_t x = 0;
  for (; x + 1 + (c == 3 ? 1 : 0) < out_w; x += 2) {
    const std::int32_t n = std::max(a.count[x], a.count[x + 1]);
    const std::int64_t at0 = a.first[x] * c, at1 = a.first[x + 1] * c;
    if (std::max(at0, at1) + (n - 1) * c + 4 > in_bytes) {
      break;
    }
    const std::int32_t* k = &lanes[(x / 2) * a.ksize * 8];
    __m256i sum = half;
    for (std::int32_t t = 0; t < n; ++t) {
      std::int32_t px0, px1;
      std::memcpy(&px0, row + at0 + t * c, sizeof px0);
      std::memcpy(&px1, row + at1 + t * c, sizeof px1);
      const __m128i both = _mm_insert_epi32(_mm_cvtsi32_si128(px0), px1, 1);
      const __m256i weights =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k + t * 8));
      sum =
          _mm256_add_epi32(sum, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(both), weights));
    }

    // Shift, then saturate to 0..255 through 16 bits as clip8 clamps; each
    // half's first four bytes are its pixel.
    sum = _mm256_srai_epi32(sum, precision_bits);
    const __m256i words = _mm256_packs_epi32(sum, sum);
    const __m256i bytes = _mm256_packus_epi16(words, words);
    const std::int32_t first = _mm256_cvtsi256_si32(bytes);
    const std::int32_t second = _mm256_extract_epi32(bytes, 4);
    std::memcpy(out + x * c, &first, sizeof first);
    std::memcpy(out + (x + 1) * c, &second, sizeof second);
  }
  return x;
}

/// Resamples one row of `in_bytes` bytes along x into `out_w` pixels, on
/// the vector path where the CPU and the channel count allow it (`lanes`
/// from pair_lanes, empty where the channel count does not).
void horizontal_row(const std::uint8_t* row, std::int64_t in_bytes, std::int64_t c,
                    const axis_weights& a, const std::vector<std::int32_t>& lanes,
                    std::int64_t out_w, std::uint8_t* out) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  std::int64_t x = 0;
  if (avx2 && !lanes.empty()) {
    x = horizontal_row_avx2(row, in_bytes, c, a, lanes, out_w, out);
  }
  horizontal_row_plain(row, c, a, x, out_w, out);
}

/// out[i] = clip8(half + sum over t of rows[t][i] * k[t]) for i < n, in
/// blocks of 32 whose sums stay in registers across the taps. (GCC's
/// unroll-and-jam would pair taps into a loop it leaves scalar.)
__attribute__((target_clones("avx2", "default"), optimize("no-loop-unroll-and-jam"))) void
vertical_row(const std::uint8_t* const* rows, const std::int32_t* k, std::int32_t taps,
             std::int64_t n, std::uint8_t* out) {
  constexpr std::int64_t block = 32;
  std::int64_t i = 0;
  for (; i + block <= n; i += block) {
    std::int32_t sum[block];
    std::fill_n(sum, block, 1 << (precision_bits - 1));
    for (std::int32_t t = 0; t < taps; ++t) {
      const std::uint8_t* row = rows[t] + i;
      const std::int32_t w = k[t];
      for (std::int64_t j = 0; j < block; ++j) {
        sum[j] += row[j] * w;
      }
    }
    for (std::int64_t j = 0; j < block; ++j) {
      out[i + j] = clip8(sum[j]);
    }
  }
  for (; i < n; ++i) {
    std::int32_t sum = 1 << (precision_bits - 1);
    for (std::int32_t t = 0; t < taps; ++t) {
      sum += rows[t][i] * k[t];
    }
    out[i] = clip8(sum);
  }
}

void to_bytes(const float* src, std::uint8_t* dst, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    // numpy: clip(255. * x, 0, 255) in float32, then astype(uint8) truncates.
    float v = 255.0f * src[i];
    v = v > 0.0f ? std::min(v, 255.0f) : 0.0f;
    dst[i] = static_cast<std::uint8_t>(v);
  }
}

// And back as ComfyUI does: v / 255 in float32.
void to_floats_plain(const std::uint8_t* src, float* dst, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    dst[i] = static_cast<float>(src[i]) / 255.0f;
  }
}

/// to_floats_plain with streaming stores (the output image is larger than
/// the cache), 8 values at a time into a 32-byte aligned `dst`; returns how
/// many it wrote.
__attribute__((target("avx2"))) std::size_t to_floats_avx2(const std::uint8_t* src,
                                                           float* dst, std::size_t n) {
  if (reinterpret_cast<std::uintptr_t>(dst) % 32 != 0) {
    return 0;
  }
  const __m256 scale = _mm256_set1_ps(255.0f);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::int64_t bytes;
    std::memcpy(&bytes, src + i, sizeof bytes);
    const __m256i ints = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(bytes));
    _mm256_stream_ps(dst + i, _mm256_div_ps(_mm256_cvtepi32_ps(ints), scale));
  }
  return i;
}

/// v / 255 for each byte; the caller fences streamed stores (end_streaming).
void to_floats(const std::uint8_t* src, float* dst, std::size_t n) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  const std::size_t done = avx2 ? to_floats_avx2(src, dst, n) : 0;
  to_floats_plain(src + done, dst + done, n - done);
}

/// The source rows of one image in 8 bits (premultiplied for RGBA),
/// resampled along x when the width changes, as the vertical pass first
/// needs them. They wait in a ring of `slots` rows: the rows one output row
/// reads start no earlier than the previous output row's and span at most
/// `slots`, so each source row is converted and resampled once.
class byte_rows {
 public:
  byte_rows(const axis_weights& xs, std::int64_t in_w, std::int64_t out_w, std::int64_t c,
            bool rgba, std::int64_t slots)
      : xs_(xs), in_w_(in_w), out_w_(out_w), c_(c), rgba_(rgba), slots_(slots) {
    bytes_.resize(in_w * c);
    if (c == 3 || c == 4) {
      lanes_ = pair_lanes(xs);
    }
    ring_.resize(slots * out_w * c);
    held_.assign(slots, -1);
  }

  /// Starts on the next image, whose row y starts at plane + y * in_w * c.
  void reset(const float* plane) {
    plane_ = plane;
    held_.assign(slots_, -1);
  }

  const std::uint8_t* row(std::int64_t sy) {
    const auto slot = sy % slots_;
    std::uint8_t* out = ring_.data() + slot * out_w_ * c_;
    if (held_[slot] == sy) {
      return out;
    }
    held_[slot] = sy;
    const bool along_x = out_w_ != in_w_;
    std::uint8_t* bytes = along_x ? bytes_.data() : out;
    to_bytes(plane_ + sy * in_w_ * c_, bytes, in_w_ * c_);
    if (rgba_) {
      premultiply(bytes, in_w_);
    }
    if (along_x) {
      horizontal_row(bytes, in_w_ * c_, c_, xs_, lanes_, out_w_, out);
    }
    return out;
  }

 private:
  const axis_weights& xs_;
  std::int64_t in_w_, out_w_, c_;
  bool rgba_;
  std::int64_t slots_;
  const float* plane_ = nullptr;
  std::vector<std::uint8_t> bytes_;
  std::vector<std::int32_t> lanes_;
  std::vector<std::uint8_t> ring_;
  std::vector<std::int64_t> held_;
};

/// Output row y of an image in 8 bits, into `line`.
void output_row(byte_rows& rows, const axis_weights& ys, bool along_y, std::int64_t y,
                std::vector<const std::uint8_t*>& taps, std::vector<std::uint8_t>& line) {
  const auto n = static_cast<std::int64_t>(line.size());
  if (!along_y) {
    std::copy_n(rows.row(y), n, line.data());
    return;
  }
  const std::int32_t count = ys.count[y];
  for (std::int32_t t = 0; t < count; ++t) {
    taps[t] = rows.row(ys.first[y] + t);
  }
  vertical_row(taps.data(), &ys.weight[y * ys.ksize], count, n, line.data());
}

}  // namespace

actors::result<tensor_ptr> lanczos_resize(const tensor& image, std::int64_t width,
                                          std::int64_t height) {
  if (image.rank() != 4 || width <= 0 || height <= 0) {
    return actors::fail(actors::errc::invalid_input,
                        "cannot resize a tensor of shape " + image.shape_string());
  }
  const auto batch = image.dim(0), in_h = image.dim(1), in_w = image.dim(2),
             c = image.dim(3);
  DROVER_TRY(out, tensor::allocate({batch, height, width, c}));
  auto xs = make_weights(in_w, width, resample_filter::lanczos);
  auto ys = make_weights(in_h, height, resample_filter::lanczos);
  const bool along_y = height != in_h;
  const bool rgba = c == 4 && (width != in_w || along_y);

  byte_rows rows{xs, in_w, width, c, rgba, along_y ? ys.ksize : 1};
  std::vector<const std::uint8_t*> taps(ys.ksize);
  std::vector<std::uint8_t> line(width * c);
  for (std::int64_t b = 0; b < batch; ++b) {
    rows.reset(image.data() + b * in_h * in_w * c);
    float* dst = out->data() + b * height * width * c;
    for (std::int64_t y = 0; y < height; ++y, dst += line.size()) {
      output_row(rows, ys, along_y, y, taps, line);
      if (rgba) {
        unpremultiply(line.data(), width);
      }
      to_floats(line.data(), dst, line.size());
    }
  }
  end_streaming();
  return tensor_ptr{std::move(out)};
}

}  // namespace drover::worker
