#include "worker/tiff_frames.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <tiffio.h>

namespace drover::worker {

namespace {

/// The bytes libtiff reads from, and the first error it reported.
struct source {
  const std::string& bytes;
  toff_t at = 0;
  std::string error;
};

tmsize_t read_proc(thandle_t h, void* out, tmsize_t size) {
  auto& s = *static_cast<source*>(h);
  if (size < 0 || s.at > s.bytes.size()) {
    return 0;
  }
  auto n = std::min<std::size_t>(static_cast<std::size_t>(size), s.bytes.size() - s.at);
  std::memcpy(out, s.bytes.data() + s.at, n);
  s.at += n;
  return static_cast<tmsize_t>(n);
}

tmsize_t write_proc(thandle_t, void*, tmsize_t) {
  return 0;  // opened for reading only
}

toff_t seek_proc(thandle_t h, toff_t offset, int whence) {
  auto& s = *static_cast<source*>(h);
  toff_t base = whence == SEEK_CUR ? s.at : whence == SEEK_END ? s.bytes.size() : 0;
  s.at = base + offset;
  return s.at;
}

int close_proc(thandle_t) {
  return 0;
}

toff_t size_proc(thandle_t h) {
  return static_cast<source*>(h)->bytes.size();
}

int keep_error(TIFF*, void* user, const char* module, const char* format, va_list args) {
  auto& s = *static_cast<source*>(user);
  if (s.error.empty()) {
    char text[256];
    std::vsnprintf(text, sizeof text, format, args);
    s.error = std::string{module ? module : "TIFF"} + ": " + text;
  }
  return 1;
}

int ignore_warning(TIFF*, void*, const char*, const char*, va_list) {
  return 1;  // unknown tags and the like: Pillow reads past them too
}

struct tiff_closer {
  void operator()(TIFF* tif) const { TIFFClose(tif); }
};

actors::error failure(const source& s, const std::string& what) {
  return actors::fail(actors::errc::invalid_input,
                      s.error.empty() ? what : what + " (" + s.error + ")");
}

actors::error unsupported(const std::string& what) {
  // TODO(#3): the TIFF variants whose pixels were not checked against Pillow.
  return actors::fail(actors::errc::invalid_input, what + " is not supported");
}

/// The page's layout as the readers below need it.
struct layout {
  std::uint32_t width = 0, height = 0;
  std::uint16_t bits = 1, samples = 1, photometric = 0, planar = 1, format = 1;
  std::uint16_t extra_count = 0;
  const std::uint16_t* extra = nullptr;
};

layout read_layout(TIFF* tif) {
  layout l;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &l.width);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &l.height);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &l.bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &l.samples);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &l.planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &l.format);
  TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &l.extra_count, &l.extra);
  if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &l.photometric)) {
    l.photometric = 0xFFFF;
  }
  return l;
}

/// Copies an 8-bit contiguous page, strip by strip or tile by tile.
actors::result<pixels8> read_contiguous(TIFF* tif, const source& s, const layout& l) {
  pixels8 p;
  p.width = l.width, p.height = l.height, p.channels = l.samples;
  std::size_t row = std::size_t{l.width} * l.samples;
  p.data.resize(row * l.height);
  if (!TIFFIsTiled(tif)) {
    for (std::uint32_t y = 0; y < l.height; ++y) {
      if (TIFFReadScanline(tif, &p.data[y * row], y, 0) < 0) {
        return failure(s, "cannot read TIFF strip");
      }
    }
    return p;
  }
  std::uint32_t tw = 0, th = 0;
  TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
  TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
  if (tw == 0 || th == 0) {
    return failure(s, "TIFF tile without a size");
  }
  std::vector<std::uint8_t> tile(static_cast<std::size_t>(TIFFTileSize(tif)));
  std::size_t tile_row = std::size_t{tw} * l.samples;
  if (tile.size() < tile_row * th) {
    return failure(s, "TIFF tile smaller than its size");
  }
  for (std::uint32_t y = 0; y < l.height; y += th) {
    for (std::uint32_t x = 0; x < l.width; x += tw) {
      if (TIFFReadTile(tif, tile.data(), x, y, 0, 0) < 0) {
        return failure(s, "cannot read TIFF tile");
      }
      auto cols = std::min(tw, l.width - x), rows = std::min(th, l.height - y);
      for (std::uint32_t r = 0; r < rows; ++r) {
        std::memcpy(&p.data[(y + r) * row + std::size_t{x} * l.samples],
                    &tile[r * tile_row], std::size_t{cols} * l.samples);
      }
    }
  }
  return p;
}

/// A palette, bilevel or inverted grey page through libtiff's RGBA reader,
/// rows as stored (the Orientation tag is applied afterwards, as Pillow does).
actors::result<pixels8> read_through_rgba(TIFF* tif, const source& s, const layout& l) {
  char message[1024] = "";
  TIFFRGBAImage img;
  if (!TIFFRGBAImageOK(tif, message) || !TIFFRGBAImageBegin(&img, tif, 1, message)) {
    return failure(s, std::string{"cannot read TIFF page: "} + message);
  }
  img.req_orientation = img.orientation;
  std::vector<std::uint32_t> raster(std::size_t{l.width} * l.height);
  int ok = TIFFRGBAImageGet(&img, raster.data(), l.width, l.height);
  TIFFRGBAImageEnd(&img);
  if (!ok) {
    return failure(s, "cannot read TIFF page");
  }
  pixels8 p;
  p.width = l.width, p.height = l.height, p.channels = 3;
  p.data.reserve(raster.size() * 3);
  for (auto v : raster) {
    p.data.insert(p.data.end(), {static_cast<std::uint8_t>(TIFFGetR(v)),
                                 static_cast<std::uint8_t>(TIFFGetG(v)),
                                 static_cast<std::uint8_t>(TIFFGetB(v))});
  }
  return p;
}

/// Reads the current page, or says why drover does not.
actors::result<pixels8> read_page(TIFF* tif, const source& s, const layout& l) {
  if (l.format != SAMPLEFORMAT_UINT) {
    return unsupported("TIFF of signed or floating-point samples");
  }
  bool grey = l.photometric == PHOTOMETRIC_MINISBLACK,
       rgb = l.photometric == PHOTOMETRIC_RGB;
  if ((grey || rgb) && l.bits == 8) {
    int colour = rgb ? 3 : 1;
    if (l.samples > colour + 1 || l.samples < colour) {
      return unsupported("TIFF with more than one extra sample");
    }
    if (l.samples == colour + 1 &&
        (l.extra_count != 1 || l.extra[0] != EXTRASAMPLE_UNASSALPHA)) {
      return unsupported("TIFF with associated or unspecified extra samples");
    }
    if (l.planar != PLANARCONFIG_CONTIG && l.samples > 1) {
      return unsupported("TIFF with separate planes");
    }
    return read_contiguous(tif, s, l);
  }
  bool palette = l.photometric == PHOTOMETRIC_PALETTE && l.bits <= 8,
       bilevel = (grey || l.photometric == PHOTOMETRIC_MINISWHITE) && l.bits == 1,
       inverted = l.photometric == PHOTOMETRIC_MINISWHITE && l.bits == 8;
  if ((palette || bilevel || inverted) && l.samples == 1) {
    return read_through_rgba(tif, s, l);
  }
  return unsupported("TIFF of photometric " + std::to_string(l.photometric) + ", " +
                     std::to_string(l.bits) + "-bit samples");
}

}  // namespace

bool looks_like_tiff(const std::string& bytes) {
  return bytes.compare(0, 4, std::string{"II*\0", 4}) == 0 ||
         bytes.compare(0, 4, std::string{"MM\0*", 4}) == 0;
}

actors::result<std::vector<tiff_page>> decode_tiff_pages(const std::string& bytes,
                                                         std::size_t max_frames,
                                                         std::uint64_t max_pixels) {
  if (!looks_like_tiff(bytes)) {
    return actors::fail(actors::errc::invalid_input, "not a TIFF file");
  }
  source s{bytes, 0, {}};
  std::unique_ptr<TIFFOpenOptions, decltype(&TIFFOpenOptionsFree)> options{
      TIFFOpenOptionsAlloc(), TIFFOpenOptionsFree};
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), keep_error, &s);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), ignore_warning, &s);
  // libtiff's own tables need room beside the pixels.
  TIFFOpenOptionsSetMaxSingleMemAlloc(
      options.get(), static_cast<tmsize_t>(std::min<std::uint64_t>(
                         max_pixels * 4 + (1u << 20), std::uint64_t{1} << 31)));
  // "m": no memory mapping, the client procedures read the bytes.
  std::unique_ptr<TIFF, tiff_closer> tif{
      TIFFClientOpenExt("input", "rm", &s, read_proc, write_proc, seek_proc, close_proc,
                        size_proc, nullptr, nullptr, options.get())};
  if (!tif) {
    return failure(s, "cannot open TIFF");
  }
  std::vector<tiff_page> pages;
  std::uint64_t kept = 0;
  do {
    auto l = read_layout(tif.get());
    kept += std::uint64_t{l.width} * l.height;
    if (l.width == 0 || l.height == 0 || kept > max_pixels) {
      return actors::fail(actors::errc::invalid_input,
                          "TIFF page is empty or larger than allowed");
    }
    DROVER_TRY(image, read_page(tif.get(), s, l));
    tiff_page page{std::move(image), 1};
    std::uint16_t orientation = 1;
    if (TIFFGetField(tif.get(), TIFFTAG_ORIENTATION, &orientation)) {
      page.orientation = orientation;
    }
    pages.push_back(std::move(page));
  } while (pages.size() < max_frames && TIFFReadDirectory(tif.get()));
  return pages;
}

}  // namespace drover::worker
