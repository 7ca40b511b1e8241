#pragma once

#include <cstddef>
#include <cstdint>

namespace drover::worker {

// The inner loops of the separable image filters (blur, sharpen, resize).
// Each sums its products in tap order, starting from +0, with separate
// multiplies and adds (the build never contracts them into fused
// multiply-adds), so every CPU and every build gives the same floats as the
// plain loop written in the comment. Hot loops are compiled twice, for AVX2
// and for baseline x86-64, and the CPU picks one at load time.

/// out[i] = 0 + weights[0] * rows[0][i] + ... + weights[taps - 1] *
/// rows[taps - 1][i], added left to right, for i < n. `out` may not overlap
/// any row.
void weighted_row_sum(const float* const* rows, const float* weights, std::size_t taps,
                      std::size_t n, float* out);

/// As weighted_row_sum, but writes `out` around the cache (streaming
/// stores), for a large output the caller will not read again soon. Call
/// end_streaming() before anything else reads it.
void weighted_row_sum_streaming(const float* const* rows, const float* weights,
                                std::size_t taps, std::size_t n, float* out);

/// Orders earlier streaming stores before later reads and writes.
void end_streaming();

/// Resamples one row of interleaved pixels of `channels` floats:
/// out[x * channels + ch] = 0 + sum over t < taps, left to right, of
/// weights[x * taps + t] * src[(first[x] + t) * channels + ch], for x < pixels.
/// `src` holds `src_floats` floats and every pixel read must lie inside it;
/// `out` holds pixels * channels floats and may not overlap `src`.
void resample_pixels(const float* src, std::size_t src_floats, const std::int32_t* first,
                     const float* weights, std::size_t taps, std::size_t pixels,
                     std::size_t channels, float* out);

/// out[i] = 1 - in[i] for i < n. An output too large to stay in cache is
/// written around it (streaming stores), sparing the reads of the old
/// contents that plain stores cost. `out` may not overlap `in`.
void subtract_from_one(const float* in, std::size_t n, float* out);

}  // namespace drover::worker
