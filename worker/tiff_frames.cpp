#include "worker/tiff_frames.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <tiffio.h>

#include "worker/tiff_sample_mode.hpp"

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
  return actors::fail(actors::errc::invalid_input, what + " is not supported");
}

tiff_layout read_layout(TIFF* tif) {
  tiff_layout l;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &l.width);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &l.height);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &l.bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &l.samples);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &l.planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &l.format);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &l.compression);
  TIFFGetFieldDefaulted(tif, TIFFTAG_FILLORDER, &l.fill_order);
  std::uint16_t extra_count = 0;
  const std::uint16_t* extra = nullptr;
  TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &extra_count, &extra);
  l.extra.assign(extra, extra + (extra ? extra_count : 0));
  if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &l.photometric)) {
    l.photometric = 0xFFFF;
  }
  l.big_endian = TIFFIsBigEndian(tif) != 0;
  return l;
}

/// The strips or tiles of a page: their size, and how many planes hold them.
struct blocks {
  std::uint32_t width = 0, height = 0;
  bool tiled = false;
  std::size_t planes = 1, row_bytes = 0;
};

actors::result<blocks> block_layout(TIFF* tif, const source& s, const tiff_layout& l,
                                    const tiff_sample_mode& m) {
  blocks b;
  b.tiled = TIFFIsTiled(tif) != 0;
  b.width = l.width;
  TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &b.height);
  b.height = std::min(b.height, l.height);
  if (b.tiled) {
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &b.width);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &b.height);
  }
  b.planes = l.planar == PLANARCONFIG_SEPARATE ? l.samples : 1;
  auto row_bits = std::uint64_t{b.width} * (l.samples / b.planes) * m.sample_bits();
  b.row_bytes = static_cast<std::size_t>((row_bits + 7) / 8);
  std::uint64_t size = std::uint64_t{b.row_bytes} * b.height;
  // A block as large as libtiff says, and not much larger than the page.
  auto libtiff_size = b.tiled ? TIFFTileSize64(tif) : TIFFStripSize64(tif);
  std::uint64_t page = std::uint64_t{l.width} * l.height * l.samples * m.sample_bytes();
  if (b.width == 0 || b.height == 0 || size != libtiff_size ||
      size * b.planes > page + (std::uint64_t{1} << 24)) {
    return failure(s, "TIFF strips or tiles do not fit the page");
  }
  return b;
}

/// An uncompressed strip that the bytes end in, as Pillow reads it with
/// LOAD_TRUNCATED_IMAGES, which ComfyUI's LoadImage retries with: the whole
/// rows the bytes hold, in native byte order, then zero samples.
void cut_strip(TIFF* tif, const source& s, const blocks& b, std::uint32_t strip,
               int sample_bytes, std::vector<std::uint8_t>& block) {
  std::fill(block.begin(), block.end(), 0);
  std::uint64_t at = TIFFGetStrileOffset(tif, strip);
  if (at >= s.bytes.size()) {
    return;
  }
  auto rows = std::min<std::uint64_t>((s.bytes.size() - at) / b.row_bytes, b.height);
  auto size = static_cast<std::size_t>(rows * b.row_bytes);
  std::memcpy(block.data(), s.bytes.data() + at, size);
  if (TIFFIsByteSwapped(tif) && sample_bytes > 1) {
    for (std::size_t i = 0; i + sample_bytes <= size; i += sample_bytes) {
      std::reverse(block.begin() + i, block.begin() + i + sample_bytes);
    }
  }
}

/// Reads the block at (x, y) of every plane into `planes`. Where libtiff
/// cannot read a strip, keeps what Pillow keeps before ComfyUI's retry with
/// LOAD_TRUNCATED_IMAGES returns it: of an uncompressed strip, the whole
/// rows the bytes hold; of a compressed one nothing, and of the strips after
/// it nothing either (`cut`), as Pillow's libtiff decoder stops there.
/// False for a tile or plane that libtiff cannot read.
bool read_block(TIFF* tif, const source& s, const tiff_layout& l, const blocks& b,
                int sample_bytes, std::uint32_t x, std::uint32_t y,
                std::vector<std::vector<std::uint8_t>>& planes, bool& cut) {
  auto rows = std::min(b.height, l.height - y);
  for (std::size_t plane = 0; plane < b.planes; ++plane) {
    auto& block = planes[plane];
    if (cut) {
      std::fill(block.begin(), block.end(), 0);
      continue;
    }
    auto sample = static_cast<std::uint16_t>(plane);
    auto got = b.tiled ? TIFFReadEncodedTile(tif, TIFFComputeTile(tif, x, y, 0, sample),
                                             block.data(), block.size())
                       : TIFFReadEncodedStrip(tif, TIFFComputeStrip(tif, y, sample),
                                              block.data(), block.size());
    if (got >= 0 && static_cast<std::size_t>(got) >= b.row_bytes * rows) {
      continue;
    }
    if (b.tiled || b.planes > 1) {
      return false;
    }
    if (l.compression == COMPRESSION_NONE) {
      cut_strip(tif, s, b, TIFFComputeStrip(tif, y, 0), sample_bytes, block);
    } else {
      std::fill(block.begin(), block.end(), 0);
      cut = true;
    }
  }
  return true;
}

/// Reads a page of `m` block by block, strips or tiles, contiguous or in
/// separate planes, converting each row as Pillow's mode gives it.
actors::result<pixels8> read_samples(TIFF* tif, const source& s, const tiff_layout& l,
                                     const tiff_sample_mode& m) {
  DROVER_TRY(b, block_layout(tif, s, l, m));
  pixels8 p;
  p.width = l.width, p.height = l.height, p.channels = m.channels();
  p.data.resize(std::size_t{l.width} * l.height * p.channels);
  std::size_t bytes = m.sample_bytes(), block_bytes = b.row_bytes * b.height;
  std::vector<std::vector<std::uint8_t>> planes(b.planes,
                                                std::vector<std::uint8_t>(block_bytes));
  std::vector<std::uint8_t> row(std::size_t{b.width} * l.samples * bytes);
  bool cut = false;
  for (std::uint32_t y = 0; y < l.height; y += b.height) {
    for (std::uint32_t x = 0; x < l.width; x += b.width) {
      auto cols = std::min(b.width, l.width - x), rows = std::min(b.height, l.height - y);
      if (!read_block(tif, s, l, b, m.sample_bytes(), x, y, planes, cut)) {
        // TODO(#3): Pillow's LOAD_TRUNCATED_IMAGES reading of cut tiles and
        // planes, which ComfyUI retries with (and of the pages read through
        // libtiff's RGBA reader).
        return failure(s, b.tiled ? "cannot read TIFF tile" : "cannot read TIFF strip");
      }
      for (std::uint32_t r = 0; r < rows; ++r) {
        const std::uint8_t* in = &planes[0][r * b.row_bytes];
        if (b.planes > 1) {
          // Interleave the planes' samples, as a contiguous page stores them.
          for (std::size_t c = 0; c < cols; ++c) {
            for (std::size_t plane = 0; plane < b.planes; ++plane) {
              std::memcpy(&row[(c * b.planes + plane) * bytes],
                          &planes[plane][r * b.row_bytes + c * bytes], bytes);
            }
          }
          in = row.data();
        }
        auto at = (std::size_t{y + r} * l.width + x) * p.channels;
        convert_tiff_row(m, in, &p.data[at], cols);
      }
    }
  }
  return p;
}

/// Where each plane's strip or tile at (x, y) starts, into `starts`; false
/// when `rows` rows of `stride` bytes from there run past the file.
bool plane_starts(TIFF* tif, const source& s, const tiff_layout& l, std::uint32_t x,
                  std::uint32_t y, std::uint64_t last_row_end, std::uint32_t rows,
                  std::uint64_t stride, std::vector<std::uint64_t>& starts) {
  bool tiled = TIFFIsTiled(tif) != 0;
  auto blocks = tiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
  for (std::uint16_t plane = 0; plane < l.samples; ++plane) {
    auto block =
        tiled ? TIFFComputeTile(tif, x, y, 0, plane) : TIFFComputeStrip(tif, y, plane);
    starts[plane] = block < blocks ? TIFFGetStrileOffset(tif, block) : s.bytes.size();
    auto size = s.bytes.size();
    if (starts[plane] > size ||
        (rows - 1) * stride + last_row_end > size - starts[plane]) {
      return false;
    }
  }
  return true;
}

/// Uncompressed 16-bit separate planes as Pillow's raw decoder reads them
/// with one-band 8-bit raw modes: row r of a strip or tile is the `cols`
/// bytes at r * stride from its start, the stride being `cols`, or for a
/// tile past the page's right edge two bytes a sample of the tile's width.
/// Fails where those bytes run past the file.
actors::result<pixels8> read_plane_bytes(TIFF* tif, const source& s, const tiff_layout& l,
                                         const tiff_sample_mode& m) {
  bool tiled = TIFFIsTiled(tif) != 0;
  std::uint32_t bw = l.width, bh = 0;
  TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &bh);
  if (tiled) {
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &bw);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &bh);
  }
  bh = tiled ? bh : std::min(bh, l.height);
  if (bw == 0 || bh == 0) {
    return failure(s, "TIFF strips or tiles do not fit the page");
  }
  pixels8 p{l.width, l.height, static_cast<std::uint32_t>(m.channels()),
            std::vector<std::uint8_t>(std::size_t{l.width} * l.height * m.channels())};
  std::vector<std::uint8_t> row(std::size_t{l.width} * l.samples);
  std::vector<std::uint64_t> starts(l.samples);
  for (std::uint32_t y = 0; y < l.height; y += bh) {
    for (std::uint32_t x = 0; x < l.width; x += bw) {
      auto cols = std::min(bw, l.width - x), rows = std::min(bh, l.height - y);
      std::uint64_t stride = tiled && bw > l.width - x ? std::uint64_t{bw} * 2 : cols;
      if (!plane_starts(tif, s, l, x, y, cols, rows, stride, starts)) {
        // TODO(#3): what ComfyUI's retry with LOAD_TRUNCATED_IMAGES keeps
        // of these planes.
        return failure(s, "TIFF strips or tiles run past the end of the file");
      }
      for (std::uint32_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cols; ++c) {
          for (std::size_t plane = 0; plane < l.samples; ++plane) {
            row[c * l.samples + plane] = s.bytes[starts[plane] + r * stride + c];
          }
        }
        auto at = (std::size_t{y + r} * l.width + x) * p.channels;
        convert_tiff_row(m, row.data(), &p.data[at], cols);
      }
    }
  }
  return p;
}

/// A palette, bilevel or inverted grey page through libtiff's RGBA reader,
/// rows as stored (the Orientation tag is applied afterwards, as Pillow does).
actors::result<pixels8> read_through_rgba(TIFF* tif, const source& s,
                                          const tiff_layout& l) {
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

/// An uncompressed YCbCr page as Pillow reads it: its raw mode takes the
/// samples for RGBX, four bytes a pixel from each strip's start on, and runs
/// out of data, after which ComfyUI's retry with LOAD_TRUNCATED_IMAGES keeps
/// the whole rows and zeros. Only 8-bit samples in strips, as Pillow's key.
actors::result<pixels8> read_ycbcr_as_rgbx(TIFF* tif, const source& s,
                                           const tiff_layout& l) {
  if (TIFFIsTiled(tif) || l.bits != 8 || l.samples != 3 || !l.extra.empty()) {
    return unsupported(
        "uncompressed YCbCr TIFF in tiles or of other than three "
        "8-bit samples");
  }
  tiff_sample_mode rgbx;
  rgbx.colour = tiff_sample_mode::colour_space::rgb;
  rgbx.samples = 4;
  blocks b;
  b.width = l.width;
  TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &b.height);
  b.height = std::max<std::uint32_t>(1, std::min(b.height, l.height));
  b.row_bytes = std::size_t{l.width} * 4;
  pixels8 p{l.width, l.height, 3,
            std::vector<std::uint8_t>(std::size_t{l.width} * l.height * 3)};
  std::vector<std::uint8_t> block(b.row_bytes * b.height);
  for (std::uint32_t y = 0, strip = 0; y < l.height; y += b.height, ++strip) {
    if (strip >= TIFFNumberOfStrips(tif)) {
      return failure(s, "TIFF strips do not fit the page");
    }
    cut_strip(tif, s, b, strip, 1, block);
    for (std::uint32_t r = 0; r < b.height && y + r < l.height; ++r) {
      convert_tiff_row(rgbx, &block[r * b.row_bytes],
                       &p.data[std::size_t{y + r} * l.width * 3], l.width);
    }
  }
  return p;
}

/// A YCbCr page as Pillow reads it: JPEG through libjpeg's own conversion
/// to RGB, uncompressed samples as RGBX, other compressions (old-style JPEG
/// among them) through libtiff's RGBA reader.
actors::result<pixels8> read_ycbcr(TIFF* tif, const source& s, const tiff_layout& l) {
  if (l.compression == COMPRESSION_JPEG && l.planar == PLANARCONFIG_CONTIG) {
    TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    DROVER_TRY(mode, pillow_sample_mode(l));
    return read_samples(tif, s, l, mode);
  }
  if (l.compression == COMPRESSION_NONE) {
    return read_ycbcr_as_rgbx(tif, s, l);
  }
  if (l.bits != 8 || l.samples != 3 || !l.extra.empty()) {
    return unsupported("YCbCr TIFF of other than three 8-bit samples");
  }
  return read_through_rgba(tif, s, l);
}

/// Reads the current page, or says why drover does not.
actors::result<pixels8> read_page(TIFF* tif, const source& s, const tiff_layout& l) {
  if (l.compression == COMPRESSION_OJPEG && l.photometric != PHOTOMETRIC_YCBCR) {
    // TODO(#3): old-style JPEG of other than YCbCr samples, not checked
    // against Pillow.
    return unsupported("TIFF of old-style JPEG compression and no YCbCr");
  }
  bool grey = l.photometric == PHOTOMETRIC_MINISBLACK,
       white = l.photometric == PHOTOMETRIC_MINISWHITE;
  bool palette = l.photometric == PHOTOMETRIC_PALETTE && l.bits <= 8,
       bilevel = (grey || white) && l.bits == 1, inverted = white && l.bits == 8;
  if ((palette || bilevel || inverted) && l.samples == 1) {
    return read_through_rgba(tif, s, l);
  }
  if (l.photometric == PHOTOMETRIC_YCBCR) {
    return read_ycbcr(tif, s, l);
  }
  if (l.photometric == PHOTOMETRIC_CIELAB) {
    // TODO(#3): Pillow reads 8-bit Lab, and convert("RGB") turns it through
    // LittleCMS's Lab to sRGB transform (ComfyUI then takes its "A" band
    // for the mask); read it once drover can match that transform.
    return unsupported("CIE Lab TIFF");
  }
  DROVER_TRY(mode, pillow_sample_mode(l));
  if (mode.bytes_of_planes) {
    return read_plane_bytes(tif, s, l, mode);
  }
  return read_samples(tif, s, l, mode);
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
  // "m": no memory mapping, the client procedures read the bytes; "c": a
  // single strip stays one, as Pillow reads it.
  std::unique_ptr<TIFF, tiff_closer> tif{
      TIFFClientOpenExt("input", "rmc", &s, read_proc, write_proc, seek_proc, close_proc,
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
