#include "worker/gif_frames.hpp"

#include <algorithm>
#include <cstring>
#include <gif_lib.h>
#include <memory>
#include <optional>

namespace drover::worker {

namespace {

/// A colour table as Pillow keeps it: entries past the table's end read as
/// the grey ramp, which is what Pillow's palettes start out as.
struct palette {
  std::vector<std::uint8_t> rgb;

  void color(int index, std::uint8_t out[3]) const {
    auto at = static_cast<std::size_t>(index) * 3;
    for (int c = 0; c < 3; ++c) {
      out[c] = at + 2 < rgb.size() ? rgb[at + c] : static_cast<std::uint8_t>(index);
    }
  }
};

/// Pillow reads a GIF whose table maps every index i to (i, i, i) as grey
/// ("L" mode) and keeps no palette for it.
std::optional<palette> needed_palette(const ColorMapObject* map) {
  if (map == nullptr || map->Colors == nullptr) {
    return std::nullopt;
  }
  palette p;
  bool ramp = true;
  for (int i = 0; i < map->ColorCount; ++i) {
    const auto& c = map->Colors[i];
    ramp = ramp && c.Red == i && c.Green == i && c.Blue == i;
    p.rgb.insert(p.rgb.end(), {c.Red, c.Green, c.Blue});
  }
  if (ramp) {
    return std::nullopt;
  }
  return p;
}

/// The bytes giflib reads from, and how far it has read.
struct reader {
  const std::string& bytes;
  std::size_t at = 0;
};

int read_bytes(GifFileType* gif, GifByteType* out, int wanted) {
  auto& r = *static_cast<reader*>(gif->UserData);
  auto n = std::min(static_cast<std::size_t>(wanted), r.bytes.size() - r.at);
  std::memcpy(out, r.bytes.data() + r.at, n);
  r.at += n;
  return static_cast<int>(n);
}

struct gif_closer {
  void operator()(GifFileType* gif) const {
    int ignored = 0;  // closing a file read from memory cannot fail usefully
    DGifCloseFile(gif, &ignored);
  }
};
using gif_ptr = std::unique_ptr<GifFileType, gif_closer>;

actors::error gif_error(const char* what, int code) {
  const char* text = GifErrorString(code);
  return actors::error{actors::errc::invalid_input,
                       std::string{what} + ": " + (text ? text : "unknown error")};
}

/// A rectangle of the canvas, right and bottom exclusive.
struct extent {
  std::uint32_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

/// What the previous frame's disposal puts back before the next frame: a
/// fill of its extent (an index while the canvas is indexed, a colour once it
/// is RGB or RGBA) or the pixels saved from under it.
struct pending_disposal {
  enum kind_t { nothing, fill, restore } kind = nothing;
  extent box;
  std::uint8_t value[4] = {0, 0, 0, 0};
  std::vector<std::uint8_t> saved;
};

/// Pillow's canvas: one index a pixel while in "P" or "L" mode (the first
/// frame, and every frame of a grey GIF), four bytes a pixel once "RGB" or
/// "RGBA".
class canvas {
 public:
  enum mode_t { indexed_p, indexed_l, rgb, rgba };

  canvas(std::uint32_t width, std::uint32_t height, mode_t mode, std::uint8_t fill)
      : width_(width),
        height_(height),
        mode_(mode),
        pixels_(std::size_t{width} * height, fill) {}

  mode_t mode() const { return mode_; }
  std::uint32_t width() const { return width_; }
  std::uint32_t height() const { return height_; }
  std::size_t bytes_per_pixel() const { return indexed() ? 1 : 4; }
  bool indexed() const { return mode_ == indexed_p || mode_ == indexed_l; }

  /// Turns an indexed "P" canvas into RGBA (alpha 0 on `transparent`) or RGB
  /// through `colors`, as Pillow does when the second frame is read.
  void to_color(const palette& colors, std::optional<int> transparent) {
    std::vector<std::uint8_t> out(pixels_.size() * 4);
    for (std::size_t i = 0; i < pixels_.size(); ++i) {
      colors.color(pixels_[i], &out[i * 4]);
      out[i * 4 + 3] = transparent && pixels_[i] == *transparent ? 0 : 255;
    }
    pixels_ = std::move(out);
    mode_ = transparent ? rgba : rgb;
  }

  void apply(const pending_disposal& d) {
    if (d.kind == pending_disposal::nothing) {
      return;
    }
    std::size_t bpp = bytes_per_pixel(), k = 0;
    for (auto y = d.box.y0; y < d.box.y1; ++y) {
      for (auto x = d.box.x0; x < d.box.x1; ++x, ++k) {
        auto* px = at(x, y);
        const auto* from = d.kind == pending_disposal::fill ? d.value : &d.saved[k * bpp];
        std::memcpy(px, from, bpp);
      }
    }
  }

  std::vector<std::uint8_t> save(const extent& box) const {
    std::vector<std::uint8_t> out;
    for (auto y = box.y0; y < box.y1; ++y) {
      const auto* row = &pixels_[(std::size_t{y} * width_ + box.x0) * bytes_per_pixel()];
      out.insert(out.end(), row, row + (box.x1 - box.x0) * bytes_per_pixel());
    }
    return out;
  }

  std::uint8_t* at(std::uint32_t x, std::uint32_t y) {
    return &pixels_[(std::size_t{y} * width_ + x) * bytes_per_pixel()];
  }

  /// The canvas as a picture: grey, RGB, or RGBA; a "P" canvas through the
  /// first frame's colours, RGBA when it has a transparent index.
  pixels8 picture(const palette& colors, std::optional<int> transparent) const {
    pixels8 p;
    p.width = width_, p.height = height_;
    auto n = pixels_.size() / bytes_per_pixel();
    if (mode_ == indexed_l) {
      p.channels = 1;
      p.data = pixels_;
      return p;
    }
    p.channels = mode_ == rgb || (mode_ == indexed_p && !transparent) ? 3 : 4;
    p.data.resize(n * p.channels);
    std::uint8_t px[4];
    for (std::size_t i = 0; i < n; ++i) {
      if (mode_ == indexed_p) {
        colors.color(pixels_[i], px);
        px[3] = transparent && pixels_[i] == *transparent ? 0 : 255;
      } else {
        std::memcpy(px, &pixels_[i * 4], 4);
      }
      std::memcpy(&p.data[i * p.channels], px, p.channels);
    }
    return p;
  }

 private:
  std::uint32_t width_, height_;
  mode_t mode_;
  std::vector<std::uint8_t> pixels_;
};

/// One frame's graphic control block, as Pillow reads it.
struct control {
  std::optional<int> transparent;
  int disposal = 0;  // 0 when the block leaves it unspecified
};

control parse_control(const std::vector<std::uint8_t>& block) {
  control c;
  if (block.size() >= 4) {
    if (block[0] & 1) {
      c.transparent = block[3];
    }
    c.disposal = (block[0] >> 2) & 7;
  }
  return c;
}

/// Reads the extension records before an image descriptor, returning the
/// last graphic control block's first sub-block.
actors::result<std::vector<std::uint8_t>> read_extension(GifFileType* gif) {
  int code = 0;
  GifByteType* data = nullptr;
  if (DGifGetExtension(gif, &code, &data) == GIF_ERROR) {
    return gif_error("truncated GIF extension", gif->Error);
  }
  std::vector<std::uint8_t> first;
  if (data != nullptr) {
    first.assign(data + 1, data + 1 + data[0]);
  }
  while (data != nullptr) {
    if (DGifGetExtensionNext(gif, &data) == GIF_ERROR) {
      return gif_error("truncated GIF extension", gif->Error);
    }
  }
  if (code != GRAPHICS_EXT_FUNC_CODE) {
    first.clear();
  }
  return first;
}

/// The frame's index rows in top-to-bottom order, de-interlaced.
actors::result<std::vector<std::uint8_t>> read_indexes(GifFileType* gif) {
  const auto& d = gif->Image;
  auto w = static_cast<std::size_t>(d.Width), h = static_cast<std::size_t>(d.Height);
  std::vector<std::uint8_t> out(w * h);
  auto read_row = [&](std::size_t y) {
    return DGifGetLine(gif, &out[y * w], static_cast<int>(w)) != GIF_ERROR;
  };
  if (d.Interlace) {
    static const std::size_t start[] = {0, 4, 2, 1}, step[] = {8, 8, 4, 2};
    for (int pass = 0; pass < 4; ++pass) {
      for (auto y = start[pass]; y < h; y += step[pass]) {
        if (!read_row(y)) {
          return gif_error("truncated GIF image data", gif->Error);
        }
      }
    }
    return out;
  }
  for (std::size_t y = 0; y < h; ++y) {
    if (!read_row(y)) {
      return gif_error("truncated GIF image data", gif->Error);
    }
  }
  return out;
}

/// Pillow's GIF state from one frame to the next.
struct sequence {
  std::optional<canvas> image;
  palette first_colors;
  std::optional<int> first_transparent;  // Pillow's info["transparency"]
  std::optional<palette> global;
  int background = 0;
  int disposal = 0;
  pending_disposal dispose;
  std::vector<pixels8> frames;
};

/// What the frame's disposal will put back before the next frame, worked out
/// as Pillow does when it seeks to the frame.
pending_disposal plan_disposal(const sequence& s, const extent& box, const control& c,
                               const std::optional<palette>& colors) {
  pending_disposal d;
  d.box = box;
  bool color = !s.image->indexed();
  auto rgb_of = [&](int index, std::uint8_t out[3]) {
    if (colors) {
      colors->color(index, out);
    } else {
      out[0] = out[1] = out[2] = static_cast<std::uint8_t>(index);
    }
  };
  if (s.disposal < 2) {
    return d;
  }
  if (s.disposal == 2) {
    d.kind = pending_disposal::fill;
    auto index = s.first_transparent ? s.first_transparent : c.transparent;
    int value = index ? *index : s.background;
    if (color) {
      rgb_of(value, d.value);
      d.value[3] = index ? 0 : 255;
    } else {
      d.value[0] = static_cast<std::uint8_t>(value);
    }
    return d;
  }
  if (!s.frames.empty()) {
    d.kind = pending_disposal::restore;
    d.saved = s.image->save(box);
  } else if (c.transparent) {
    d.kind = pending_disposal::fill;
    d.value[0] = static_cast<std::uint8_t>(*c.transparent);
  }
  return d;
}

/// Paints the frame's `indexes`, laid out over `box`, onto the canvas as
/// Pillow does, leaving out what falls outside the canvas.
void paint(canvas& image, const extent& box, const std::vector<std::uint8_t>& indexes,
           const control& c, const std::optional<palette>& colors) {
  std::size_t k = 0;
  for (auto y = box.y0; y < box.y1; ++y) {
    for (auto x = box.x0; x < box.x1; ++x, ++k) {
      if (x >= image.width() || y >= image.height()) {
        continue;
      }
      int index = indexes[k];
      if (c.transparent && index == *c.transparent) {
        continue;  // both Pillow's grey decoding and its RGBA paste skip it
      }
      auto* px = image.at(x, y);
      if (image.indexed()) {
        px[0] = static_cast<std::uint8_t>(index);
        continue;
      }
      if (colors) {
        colors->color(index, px);
      } else {
        px[0] = px[1] = px[2] = static_cast<std::uint8_t>(index);
      }
      px[3] = 255;
    }
  }
}

/// Reads one image descriptor and its data into `s`.
actors::result<void> read_frame(GifFileType* gif, sequence& s, const control& c,
                                std::uint64_t max_pixels) {
  if (DGifGetImageDesc(gif) == GIF_ERROR) {
    return gif_error("truncated GIF image descriptor", gif->Error);
  }
  const auto& d = gif->Image;
  if (d.Width <= 0 || d.Height <= 0) {
    return actors::fail(actors::errc::invalid_input, "GIF frame has no pixels");
  }
  extent box{static_cast<std::uint32_t>(d.Left), static_cast<std::uint32_t>(d.Top),
             static_cast<std::uint32_t>(d.Left + d.Width),
             static_cast<std::uint32_t>(d.Top + d.Height)};
  bool first = s.frames.empty();
  std::optional<palette> colors =
      d.ColorMap != nullptr ? needed_palette(d.ColorMap) : s.global;
  if (c.disposal != 0) {
    s.disposal = c.disposal;
  }

  if (first) {
    auto w = std::max<std::uint32_t>(gif->SWidth, box.x1),
         h = std::max<std::uint32_t>(gif->SHeight, box.y1);
    if (std::uint64_t{w} * h > max_pixels) {
      return actors::fail(actors::errc::invalid_input, "GIF is larger than allowed");
    }
    s.image.emplace(w, h, colors ? canvas::indexed_p : canvas::indexed_l,
                    c.transparent ? static_cast<std::uint8_t>(*c.transparent) : 0);
    s.first_colors = colors ? *colors : palette{};
  } else {
    s.image->apply(s.dispose);
    if (s.image->mode() == canvas::indexed_p) {
      s.image->to_color(s.first_colors, s.first_transparent);
      s.first_transparent.reset();
    }
    if (!s.image->indexed() && !colors && c.transparent) {
      // Pillow 9.4 decodes such a frame in "L" mode, then fails to give it
      // an alpha through a palette.
      return actors::fail(actors::errc::invalid_input,
                          "GIF grey frame with a transparent index after colour frames "
                          "cannot be read (image has no palette)");
    }
  }
  // After grey frames, Pillow reads a frame with its own colour table onto a
  // new blank "P" image, whose palette is the grey ramp: the frame's table
  // goes unused. The disposal it plans still saves the grey canvas.
  bool blank_palette_canvas = !first && s.image->mode() == canvas::indexed_l && colors;
  // Pillow grows its size for a later frame that overflows, yet paints onto
  // the canvas it has, so that ComfyUI sees the frame cut to the first's size.
  extent inside{std::min(box.x0, s.image->width()), std::min(box.y0, s.image->height()),
                std::min(box.x1, s.image->width()), std::min(box.y1, s.image->height())};
  s.dispose = plan_disposal(s, inside, c, colors);
  if (blank_palette_canvas) {
    // TODO(#3): Pillow makes this canvas the size it has grown to when an
    // earlier frame overflowed; drover keeps the first frame's size.
    s.image.emplace(s.image->width(), s.image->height(), canvas::indexed_p, 0);
    s.first_colors = palette{};
  }
  DROVER_TRY(indexes, read_indexes(gif));
  if (first) {
    // The first frame is written whole, transparent index included.
    paint(*s.image, box, indexes, control{}, colors);
    s.first_transparent = c.transparent;
  } else {
    paint(*s.image, box, indexes, c, colors);
  }
  return actors::ok();
}

}  // namespace

bool looks_like_gif(const std::string& bytes) {
  return bytes.compare(0, 6, "GIF87a") == 0 || bytes.compare(0, 6, "GIF89a") == 0;
}

actors::result<std::vector<pixels8>> decode_gif_frames(const std::string& bytes,
                                                       std::size_t max_frames,
                                                       std::uint64_t max_pixels) {
  if (!looks_like_gif(bytes)) {
    return actors::fail(actors::errc::invalid_input, "not a GIF file");
  }
  reader r{bytes};
  int error = 0;
  gif_ptr gif{DGifOpen(&r, read_bytes, &error)};
  if (!gif) {
    return gif_error("cannot open GIF", error);
  }
  sequence s;
  s.global = needed_palette(gif->SColorMap);
  s.background = gif->SColorMap != nullptr ? gif->SBackGroundColor : 0;

  control pending;
  std::uint64_t kept_pixels = 0;
  while (s.frames.size() < max_frames) {
    GifRecordType type = UNDEFINED_RECORD_TYPE;
    if (DGifGetRecordType(gif.get(), &type) == GIF_ERROR) {
      if (!s.frames.empty()) {
        break;  // as Pillow, a file cut between frames ends its frames there
      }
      return gif_error("truncated GIF file", gif->Error);
    }
    if (type == TERMINATE_RECORD_TYPE) {
      break;
    }
    if (type == EXTENSION_RECORD_TYPE) {
      auto block = read_extension(gif.get());
      if (!block && !s.frames.empty()) {
        break;  // Pillow, too, ends the frames at a cut extension
      }
      if (!block) {
        return block.error();
      }
      if (!block.value().empty()) {
        pending = parse_control(block.value());
      }
      continue;
    }
    DROVER_TRYV(read_frame(gif.get(), s, pending, max_pixels - kept_pixels));
    pending = control{};
    const auto& p = s.frames.emplace_back(s.image->picture(
        s.first_colors,
        s.image->mode() == canvas::indexed_p ? s.first_transparent : std::nullopt));
    kept_pixels += std::uint64_t{p.width} * p.height;
    if (kept_pixels > max_pixels) {
      return actors::fail(actors::errc::invalid_input, "GIF is larger than allowed");
    }
  }
  if (s.frames.empty()) {
    return actors::fail(actors::errc::invalid_input, "GIF has no frames");
  }
  return std::move(s.frames);
}

}  // namespace drover::worker
