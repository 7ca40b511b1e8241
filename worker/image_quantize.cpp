#include "worker/image_quantize.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace drover::worker {

namespace {

using color = std::array<std::uint8_t, 3>;

/// Pillow's median cut works on at most this many distinct colours.
constexpr std::uint32_t max_distinct_colors = 65536;

/// torch's CPU cast of `v * 255` (float32) to uint8 on x86: truncation toward
/// zero, then the low byte of the int32, so out-of-range values wrap; values
/// past int32 (and NaN) become INT32_MIN, whose low byte is 0. Images in
/// ComfyUI's 0..1 range only ever truncate.
std::uint8_t torch_byte(float v) {
  const float scaled = v * 255.0f;
  if (!(std::fabs(scaled) < 2147483648.0f)) {
    return 0;
  }
  return static_cast<std::uint8_t>(static_cast<std::int32_t>(scaled));
}

/// The image's distinct colours once `shift` low bits are dropped from every
/// channel: Pillow raises the shift until at most 65536 colours remain.
struct histogram {
  int shift = 0;
  std::vector<color> colors;             // scaled colour of each id
  std::vector<std::uint32_t> counts;     // pixels per id
  std::vector<std::uint32_t> pixel_ids;  // id of each pixel
};

std::uint32_t cell_of(const color& c, int shift) {
  const int bits = 8 - shift;
  return static_cast<std::uint32_t>((c[0] >> shift) << (2 * bits) |
                                    (c[1] >> shift) << bits | (c[2] >> shift));
}

int popcount(std::uint64_t word) {
  return __builtin_popcountll(word);
}

/// Counts colours at the smallest shift that leaves at most 65536 of them.
/// A bitmap over the scaled colour cube marks the colours present; the rank
/// of a colour's bit then numbers it densely, in cube order.
histogram count_colors(const std::vector<color>& pixels) {
  histogram h;
  std::vector<std::uint64_t> seen;
  std::vector<std::uint32_t> rank;
  for (h.shift = 0;; ++h.shift) {
    const std::size_t cells = std::size_t{1} << (3 * (8 - h.shift));
    seen.assign((cells + 63) / 64, 0);
    for (const auto& p : pixels) {
      const auto cell = cell_of(p, h.shift);
      seen[cell >> 6] |= std::uint64_t{1} << (cell & 63);
    }
    rank.assign(seen.size() + 1, 0);
    for (std::size_t i = 0; i < seen.size(); ++i) {
      rank[i + 1] = rank[i] + static_cast<std::uint32_t>(popcount(seen[i]));
    }
    if (rank.back() <= max_distinct_colors) {
      break;
    }
  }

  h.colors.resize(rank.back());
  h.counts.assign(rank.back(), 0);
  h.pixel_ids.resize(pixels.size());
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    const auto cell = cell_of(pixels[i], h.shift);
    const auto below = seen[cell >> 6] & ((std::uint64_t{1} << (cell & 63)) - 1);
    const auto id = rank[cell >> 6] + static_cast<std::uint32_t>(popcount(below));
    h.pixel_ids[i] = id;
    h.counts[id] += 1;
    const auto& p = pixels[i];
    h.colors[id] = {static_cast<std::uint8_t>(p[0] >> h.shift),
                    static_cast<std::uint8_t>(p[1] >> h.shift),
                    static_cast<std::uint8_t>(p[2] >> h.shift)};
  }
  return h;
}

struct entry {
  color value;  // scaled
  std::uint32_t count;
  std::uint32_t id;
};

/// A box of the median cut: a range of the entry array, and its children
/// once split.
struct box {
  std::size_t begin, end;
  std::uint32_t pixels;
  int left = -1, right = -1;
};

/// A binary max-heap of boxes by pixel count, laid out from index 1, whose
/// sift rules settle ties as Pillow's heap does: which of two equally full
/// boxes is split first changes the palette.
class box_heap {
 public:
  explicit box_heap(const std::vector<box>& boxes) : boxes_(boxes), slots_(1) {}

  void push(int b) {
    slots_.push_back(b);
    std::size_t k = slots_.size() - 1;
    for (; k != 1 && compare(b, slots_[k / 2]) > 0; k /= 2) {
      slots_[k] = slots_[k / 2];
    }
    slots_[k] = b;
  }

  bool pop(int& top) {
    if (slots_.size() == 1) {
      return false;
    }
    top = slots_[1];
    const int last = slots_.back();
    slots_.pop_back();
    const std::size_t count = slots_.size() - 1;
    std::size_t k = 1;
    while (k * 2 <= count) {
      std::size_t l = k * 2;
      if (l < count && compare(slots_[l], slots_[l + 1]) < 0) {
        ++l;
      }
      if (compare(last, slots_[l]) > 0) {
        break;
      }
      slots_[k] = slots_[l];
      k = l;
    }
    if (count > 0) {
      slots_[k] = last;
    }
    return true;
  }

 private:
  int compare(int a, int b) const {
    return static_cast<int>(boxes_[a].pixels) - static_cast<int>(boxes_[b].pixels);
  }

  const std::vector<box>& boxes_;
  std::vector<int> slots_;
};

struct channel_range {
  std::array<int, 3> low{255, 255, 255}, high{0, 0, 0};
};

channel_range range_of(const std::vector<entry>& entries, const box& b) {
  channel_range r;
  for (auto i = b.begin; i < b.end; ++i) {
    for (int c = 0; c < 3; ++c) {
      r.low[c] = std::min<int>(r.low[c], entries[i].value[c]);
      r.high[c] = std::max<int>(r.high[c], entries[i].value[c]);
    }
  }
  return r;
}

bool single_color(const channel_range& r) {
  return r.low == r.high;
}

/// Splits `b` across the channel of widest luminance-weighted extent: the
/// upper part holds the values at or above the one where, counting pixels
/// from the top, more than half the box is reached; when that takes the
/// whole box, the lowest value alone goes below.
std::size_t split_point(std::vector<entry>& entries, const box& b,
                        const channel_range& r) {
  const std::array<int, 3> weighted{(r.high[0] - r.low[0]) * 77,
                                    (r.high[1] - r.low[1]) * 150,
                                    (r.high[2] - r.low[2]) * 29};
  int axis = 0;
  for (int c = 1; c < 3; ++c) {
    if (weighted[axis] < weighted[c]) {
      axis = c;
    }
  }
  const auto first = entries.begin() + static_cast<std::ptrdiff_t>(b.begin);
  const auto last = entries.begin() + static_cast<std::ptrdiff_t>(b.end);
  std::sort(first, last, [axis](const entry& x, const entry& y) {
    return x.value[axis] > y.value[axis];
  });

  std::uint32_t upper = 0;
  auto i = b.begin;
  while (i < b.end) {
    upper += entries[i++].count;
    if (upper * 2 > b.pixels) {
      break;
    }
  }
  if (i < b.end) {
    const auto at = entries[i - 1].value[axis];
    while (i < b.end && entries[i].value[axis] == at) {
      ++i;
    }
  }
  if (i == b.end) {
    const auto lowest = entries[b.end - 1].value[axis];
    while (i > b.begin && entries[i - 1].value[axis] == lowest) {
      --i;
    }
  }
  return i;
}

std::uint32_t pixels_in(const std::vector<entry>& entries, std::size_t begin,
                        std::size_t end) {
  std::uint32_t n = 0;
  for (auto i = begin; i < end; ++i) {
    n += entries[i].count;
  }
  return n;
}

/// Takes the fullest box that holds more than one colour off the heap; a
/// box of a single colour leaves it for good. False once none is left.
bool next_to_split(box_heap& heap, const std::vector<entry>& entries,
                   const std::vector<box>& boxes, int& b, channel_range& r) {
  while (heap.pop(b)) {
    r = range_of(entries, boxes[b]);
    if (!single_color(r)) {
      return true;
    }
  }
  return false;
}

/// Pillow's median cut: up to `colors - 1` times, the fullest box that holds
/// more than one colour is split in two. Returns each histogram id's palette
/// index, boxes numbered in depth-first, upper-part-first order.
std::vector<std::uint32_t> median_cut(const histogram& h, std::uint32_t total, int colors,
                                      std::uint32_t& palette_size) {
  std::vector<entry> entries(h.colors.size());
  for (std::uint32_t id = 0; id < entries.size(); ++id) {
    entries[id] = {h.colors[id], h.counts[id], id};
  }
  std::vector<box> boxes;
  boxes.reserve(2 * static_cast<std::size_t>(colors));
  boxes.push_back({0, entries.size(), total});
  box_heap heap{boxes};
  heap.push(0);

  for (int splits = colors - 1; splits > 0; --splits) {
    int b = -1;
    channel_range r;
    if (!next_to_split(heap, entries, boxes, b, r)) {
      break;
    }
    const auto mid = split_point(entries, boxes[b], r);
    const auto begin = boxes[b].begin, end = boxes[b].end;
    boxes[b].left = static_cast<int>(boxes.size());
    boxes.push_back({begin, mid, pixels_in(entries, begin, mid)});
    boxes[b].right = static_cast<int>(boxes.size());
    boxes.push_back({mid, end, pixels_in(entries, mid, end)});
    heap.push(boxes[b].left);
    heap.push(boxes[b].right);
  }

  std::vector<std::uint32_t> index_of(entries.size());
  palette_size = 0;
  std::vector<int> stack{0};
  while (!stack.empty()) {
    const auto& b = boxes[stack.back()];
    stack.pop_back();
    if (b.left >= 0) {
      stack.push_back(b.right);
      stack.push_back(b.left);
      continue;
    }
    for (auto i = b.begin; i < b.end; ++i) {
      index_of[entries[i].id] = palette_size;
    }
    ++palette_size;
  }
  return index_of;
}

/// The palette: each box's mean of its pixels' full 8-bit values, rounded
/// half up. Sums are uint32 as Pillow keeps them.
std::vector<color> median_cut_palette(const std::vector<color>& pixels, int colors) {
  const auto h = count_colors(pixels);
  std::uint32_t size = 0;
  const auto index_of =
      median_cut(h, static_cast<std::uint32_t>(pixels.size()), colors, size);

  std::vector<std::array<std::uint32_t, 4>> sums(size, {0, 0, 0, 0});
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    auto& s = sums[index_of[h.pixel_ids[i]]];
    s[0] += pixels[i][0];
    s[1] += pixels[i][1];
    s[2] += pixels[i][2];
    s[3] += 1;
  }
  std::vector<color> palette(size);
  for (std::uint32_t k = 0; k < size; ++k) {
    for (int c = 0; c < 3; ++c) {
      const double mean =
          static_cast<double>(sums[k][c]) / static_cast<double>(sums[k][3]);
      palette[k][c] = static_cast<std::uint8_t>(static_cast<int>(0.5 + mean));
    }
  }
  return palette;
}

/// Pillow's colour-to-palette lookup. It is approximate: a colour maps to
/// the entry nearest (squared RGB distance, lowest index on ties) to the
/// corner (r & ~3, g & ~3, b & ~3) of its 4x4x4 cell. Cells are filled 8x8x8
/// at a time, for the 32-wide block a looked-up colour falls in, from the
/// entries that can be nearest somewhere in that block.
class nearest_entry {
 public:
  explicit nearest_entry(const std::vector<color>& palette)
      : palette_(palette), cells_(64 * 64 * 64, -1) {
    candidates_.reserve(palette.size());
  }

  std::uint8_t operator()(int r, int g, int b) {
    auto& cell = cells_[cell_index(r >> 2, g >> 2, b >> 2)];
    if (cell < 0) {
      fill_block(r & 0xe0, g & 0xe0, b & 0xe0);
    }
    return static_cast<std::uint8_t>(cell);
  }

 private:
  static std::size_t cell_index(int r, int g, int b) {
    return static_cast<std::size_t>(r + g * 64 + b * 64 * 64);
  }

  static int square(int v) { return v * v; }

  /// Squared distance from `v` to the nearest and the farthest of the cell
  /// corners lo, lo + 4, ..., lo + 28 along one channel.
  static int near_along(int v, int lo) {
    return v < lo ? square(lo - v) : v > lo + 28 ? square(v - lo - 28) : 0;
  }
  static int far_along(int v, int lo) {
    return std::max(square(v - lo), square(lo + 28 - v));
  }

  void fill_block(int r0, int g0, int b0) {
    // An entry whose nearest approach to the block is farther than some
    // entry's farthest cannot win any cell of it.
    int bound = INT32_MAX;
    for (const auto& p : palette_) {
      bound = std::min(bound,
                       far_along(p[0], r0) + far_along(p[1], g0) + far_along(p[2], b0));
    }
    candidates_.clear();
    for (std::size_t i = 0; i < palette_.size(); ++i) {
      const auto& p = palette_[i];
      if (near_along(p[0], r0) + near_along(p[1], g0) + near_along(p[2], b0) <= bound) {
        candidates_.push_back(static_cast<std::int16_t>(i));
      }
    }

    for (int r = r0; r < r0 + 32; r += 4) {
      for (int g = g0; g < g0 + 32; g += 4) {
        for (int b = b0; b < b0 + 32; b += 4) {
          int best = INT32_MAX;
          std::int16_t chosen = 0;
          for (auto i : candidates_) {
            const auto& p = palette_[static_cast<std::size_t>(i)];
            const int d = square(r - p[0]) + square(g - p[1]) + square(b - p[2]);
            if (d < best) {
              best = d;
              chosen = i;
            }
          }
          cells_[cell_index(r >> 2, g >> 2, b >> 2)] = chosen;
        }
      }
    }
  }

  const std::vector<color>& palette_;
  std::vector<std::int16_t> cells_;
  std::vector<std::int16_t> candidates_;
};

int clip8(int v) {
  return std::clamp(v, 0, 255);
}

/// Pillow's Floyd–Steinberg pass, in its integer arithmetic: errors are kept
/// in sixteenths and divided (toward zero) when applied. `below[x + 1]` holds
/// what pixel x of the next row receives.
void diffuse(const std::vector<color>& pixels, std::int64_t height, std::int64_t width,
             const std::vector<color>& palette, nearest_entry& nearest,
             std::vector<std::uint8_t>& indices) {
  std::vector<std::array<int, 3>> below(static_cast<std::size_t>(width) + 1, {0, 0, 0});
  std::size_t at = 0;
  for (std::int64_t y = 0; y < height; ++y) {
    std::array<int, 3> right{0, 0, 0}, pending{0, 0, 0}, last{0, 0, 0};
    for (std::int64_t x = 0; x < width; ++x, ++at) {
      auto& into = below[static_cast<std::size_t>(x) + 1];
      std::array<int, 3> v;
      for (int c = 0; c < 3; ++c) {
        v[c] = clip8(pixels[at][c] + (right[c] + into[c]) / 16);
      }
      const auto index = nearest(v[0], v[1], v[2]);
      indices[at] = index;
      auto& left_below = below[static_cast<std::size_t>(x)];
      for (int c = 0; c < 3; ++c) {
        const int error = v[c] - palette[index][c];
        left_below[c] = 3 * error + pending[c];
        pending[c] = 5 * error + last[c];
        last[c] = error;
        right[c] = 7 * error;
      }
    }
    // Pillow hands the next row's last pixel the blue channel's pending
    // errors for all three channels; kept for pixel equality.
    below[static_cast<std::size_t>(width)] = {pending[2], last[2], last[2]};
  }
}

/// ComfyUI's bayer matrix of side `order` in float32, as numpy computes it
/// (every step is exact), scaled by 2 * 256 / palette size and offset by 0.5.
std::vector<float> bayer_offsets(int order, std::size_t palette_size) {
  std::vector<float> m{0.0f};
  for (int side = 1; side < order; side *= 2) {
    const auto q = static_cast<float>(side * 2 * side * 2);
    std::vector<float> next(static_cast<std::size_t>(4 * side * side));
    const int n = side * 2;
    for (int y = 0; y < side; ++y) {
      for (int x = 0; x < side; ++x) {
        const float v = q * m[static_cast<std::size_t>(y * side + x)];
        next[static_cast<std::size_t>(y * n + x)] = (v - 1.5f) / q;
        next[static_cast<std::size_t>(y * n + x + side)] = (v + 0.5f) / q;
        next[static_cast<std::size_t>((y + side) * n + x)] = (v + 1.5f) / q;
        next[static_cast<std::size_t>((y + side) * n + x + side)] = (v - 0.5f) / q;
      }
    }
    m = std::move(next);
  }
  const auto spread = static_cast<float>(512.0 / static_cast<double>(palette_size));
  for (auto& v : m) {
    const float scaled = spread * v;
    v = scaled + 0.5f;
  }
  return m;
}

/// ComfyUI's ordered dither: the tiled offsets added in float32, clamped to
/// 0..255 and truncated, before a plain mapping.
void order_dither(std::vector<color>& pixels, std::int64_t height, std::int64_t width,
                  int order, std::size_t palette_size) {
  const auto offsets = bayer_offsets(order, palette_size);
  std::size_t at = 0;
  for (std::int64_t y = 0; y < height; ++y) {
    const float* row = offsets.data() + (y % order) * order;
    for (std::int64_t x = 0; x < width; ++x, ++at) {
      const float offset = row[x % order];
      for (int c = 0; c < 3; ++c) {
        const float v =
            std::clamp(static_cast<float>(pixels[at][c]) + offset, 0.0f, 255.0f);
        pixels[at][c] = static_cast<std::uint8_t>(v);
      }
    }
  }
}

/// 0 for none, -1 for floyd-steinberg, else the bayer order; -2 if unknown.
int dither_kind(std::string_view dither) {
  if (dither == "none")
    return 0;
  if (dither == "floyd-steinberg")
    return -1;
  for (int order : {2, 4, 8, 16}) {
    if (dither == "bayer-" + std::to_string(order)) {
      return order;
    }
  }
  return -2;
}

}  // namespace

actors::result<tensor_ptr> quantize_image(const tensor& image, int colors,
                                          std::string_view dither) {
  const int kind = dither_kind(dither);
  if (kind == -2) {
    return actors::fail(actors::errc::invalid_input,
                        "Unknown dither: " + std::string{dither});
  }
  if (colors < 1 || colors > 256) {
    return actors::fail(actors::errc::invalid_input, "bad number of colors");
  }
  if (image.rank() != 4 || image.dim(3) != 3) {
    return actors::fail(
        actors::errc::invalid_input,
        "ImageQuantize needs a [B, H, W, 3] image, got " + image.shape_string());
  }

  const auto batch = image.dim(0), height = image.dim(1), width = image.dim(2);
  const auto pixels = static_cast<std::size_t>(height * width);
  DROVER_TRY(out, tensor::allocate(image.shape()));
  std::vector<color> bytes(pixels);
  std::vector<std::uint8_t> indices(pixels);
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* in = image.data() + static_cast<std::size_t>(b) * pixels * 3;
    for (std::size_t i = 0; i < pixels; ++i) {
      bytes[i] = {torch_byte(in[3 * i]), torch_byte(in[3 * i + 1]),
                  torch_byte(in[3 * i + 2])};
    }

    const auto palette = median_cut_palette(bytes, colors);
    nearest_entry nearest{palette};
    if (kind == -1) {
      diffuse(bytes, height, width, palette, nearest, indices);
    } else {
      if (kind > 0) {
        order_dither(bytes, height, width, kind, palette.size());
      }
      for (std::size_t i = 0; i < pixels; ++i) {
        indices[i] = nearest(bytes[i][0], bytes[i][1], bytes[i][2]);
      }
    }

    float* dst = out->data() + static_cast<std::size_t>(b) * pixels * 3;
    for (std::size_t i = 0; i < pixels; ++i) {
      for (int c = 0; c < 3; ++c) {
        *dst++ = static_cast<float>(palette[indices[i]][c]) / 255.0f;
      }
    }
  }
  return tensor_ptr{std::move(out)};
}

}  // namespace drover::worker
