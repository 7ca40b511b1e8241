#include "worker/image_row_kernels.hpp"

#include <cstdint>
#include <cstring>
#include <immintrin.h>

namespace drover::worker {

namespace {

// GCC's vector extensions: plain element-wise arithmetic that the compiler
// maps onto whichever vector registers the clone targets.
typedef float float8 __attribute__((vector_size(32)));
typedef float float4 __attribute__((vector_size(16)));

// By reference, so that no vector crosses a call boundary (no ABI change).
template <class vector>
inline void load(vector& v, const float* from) {
  std::memcpy(&v, from, sizeof v);
}

template <class vector>
inline void store(float* to, const vector& v) {
  std::memcpy(to, &v, sizeof v);
}

float pixel_sum(const float* at, const float* weights, std::size_t taps,
                std::size_t channels) {
  float sum = 0.0f;
  for (std::size_t t = 0; t < taps; ++t) {
    sum += weights[t] * at[t * channels];
  }
  return sum;
}

template <class vector>
inline void stream(float* to, const vector& v) {
  __m128 halves[sizeof v / sizeof(__m128)];
  std::memcpy(halves, &v, sizeof v);
  for (std::size_t h = 0; h < sizeof v / sizeof(__m128); ++h) {
    _mm_stream_ps(to + h * 4, halves[h]);
  }
}

/// weighted_row_sum's body; `streaming` writes 16-byte aligned outputs with
/// streaming stores. Blocks of 32 outputs: four accumulators stay in
/// registers across all taps, so each tap costs one load per 8 floats and
/// no load or store of `out`.
__attribute__((always_inline)) inline void weighted_sum(const float* const* rows,
                                                        const float* weights,
                                                        std::size_t taps, std::size_t n,
                                                        float* out, bool streaming) {
  constexpr std::size_t block = 32;
  streaming = streaming && reinterpret_cast<std::uintptr_t>(out) % 16 == 0;
  std::size_t i = 0;
  for (; i + block <= n; i += block) {
    float8 a0{}, a1{}, a2{}, a3{};
    for (std::size_t t = 0; t < taps; ++t) {
      const float* row = rows[t] + i;
      const float w = weights[t];
      float8 x0, x1, x2, x3;
      load(x0, row);
      load(x1, row + 8);
      load(x2, row + 16);
      load(x3, row + 24);
      a0 += w * x0;
      a1 += w * x1;
      a2 += w * x2;
      a3 += w * x3;
    }
    if (streaming) {
      stream(out + i, a0);
      stream(out + i + 8, a1);
      stream(out + i + 16, a2);
      stream(out + i + 24, a3);
      continue;
    }
    store(out + i, a0);
    store(out + i + 8, a1);
    store(out + i + 16, a2);
    store(out + i + 24, a3);
  }
  for (; i < n; ++i) {
    float sum = 0.0f;
    for (std::size_t t = 0; t < taps; ++t) {
      sum += weights[t] * rows[t][i];
    }
    out[i] = sum;
  }
}

}  // namespace

__attribute__((target_clones("avx2", "default"))) void weighted_row_sum(
    const float* const* rows, const float* weights, std::size_t taps, std::size_t n,
    float* out) {
  weighted_sum(rows, weights, taps, n, out, false);
}

__attribute__((target_clones("avx2", "default"))) void weighted_row_sum_streaming(
    const float* const* rows, const float* weights, std::size_t taps, std::size_t n,
    float* out) {
  weighted_sum(rows, weights, taps, n, out, true);
}

void end_streaming() {
  _mm_sfence();
}

// Three or four channels: one pixel per 4-float vector. With three, the
// vector reads one float past the pixel and writes one into the next output
// pixel (written again right after); pixels where that would leave a buffer
// take the scalar path.
__attribute__((target_clones("avx2", "default"))) void resample_pixels(
    const float* src, std::size_t src_floats, const std::int32_t* first,
    const float* weights, std::size_t taps, std::size_t pixels, std::size_t channels,
    float* out) {
  const bool vector_path = channels == 3 || channels == 4;
  for (std::size_t x = 0; x < pixels; ++x) {
    const float* at = src + static_cast<std::size_t>(first[x]) * channels;
    const float* w = weights + x * taps;
    float* to = out + x * channels;
    const std::size_t last_read = (first[x] + taps - 1) * channels + 4;
    const bool inside = last_read <= src_floats && (channels == 4 || x + 1 < pixels);
    if (vector_path && inside) {
      float4 sum{};
      for (std::size_t t = 0; t < taps; ++t) {
        float4 v;
        load(v, at + t * channels);
        sum += w[t] * v;
      }
      store(to, sum);
      continue;
    }
    for (std::size_t ch = 0; ch < channels; ++ch) {
      to[ch] = pixel_sum(at + ch, w, taps, channels);
    }
  }
}

// SSE streaming stores are part of baseline x86-64, so no clone is needed.
void subtract_from_one(const float* in, std::size_t n, float* out) {
  constexpr std::size_t stream_bytes = std::size_t{16} << 20;
  std::size_t i = 0;
  if (n * sizeof(float) >= stream_bytes) {
    for (; i < n && reinterpret_cast<std::uintptr_t>(out + i) % 16 != 0; ++i) {
      out[i] = 1.0f - in[i];
    }
    const __m128 one = _mm_set1_ps(1.0f);
    for (; i + 4 <= n; i += 4) {
      _mm_stream_ps(out + i, _mm_sub_ps(one, _mm_loadu_ps(in + i)));
    }
    // Streaming stores are weakly ordered: fence before others read `out`.
    _mm_sfence();
  }
  for (; i < n; ++i) {
    out[i] = 1.0f - in[i];
  }
}

}  // namespace drover::worker
