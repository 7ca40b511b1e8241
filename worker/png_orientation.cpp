#include "worker/png_orientation.hpp"

#include <optional>
#include <string>
#include <zlib.h>

#include "worker/exif_transpose.hpp"

namespace drover::worker {

namespace {

/// Pillow's limit on inflated text (PngImagePlugin.MAX_TEXT_CHUNK).
constexpr std::size_t max_text = std::size_t{1} << 20;

/// Inflated text as Python's zlib.decompressobj gives it: what a cut stream
/// holds; nothing for a corrupt one or one over Pillow's limit, which
/// Pillow's text readers treat alike with LOAD_TRUNCATED_IMAGES.
std::optional<std::string> inflate_text(std::string_view compressed) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) {
    return {};
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  int status = Z_OK;
  char buffer[16384];
  while (status == Z_OK && out.size() <= max_text) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    status = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
  }
  inflateEnd(&z);
  if (out.size() > max_text || (status != Z_STREAM_END && status != Z_BUF_ERROR)) {
    return std::nullopt;
  }
  return out;  // Z_BUF_ERROR: the stream was cut short
}

/// Whether `s` is UTF-8 that Python's strict decoder accepts.
bool is_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    int more = c < 0x80           ? 0
               : (c >> 5) == 0x6  ? 1
               : (c >> 4) == 0xE  ? 2
               : (c >> 3) == 0x1E ? 3
                                  : -1;
    if (more < 0 || s.size() - i <= static_cast<std::size_t>(more)) {
      return false;
    }
    std::uint32_t cp = more == 0 ? c : c & (0x3F >> more);
    for (int k = 1; k <= more; ++k) {
      auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xC0) != 0x80) {
        return false;
      }
      cp = cp << 6 | (next & 0x3F);
    }
    static const std::uint32_t least[] = {0, 0x80, 0x800, 0x10000};
    if (cp < least[more] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += more + 1;
  }
  return true;
}

/// The text entries of Pillow's `info` that getexif reads; the last chunk
/// with a keyword wins, as in Pillow's dictionary.
struct png_info {
  std::optional<std::string> exif, raw_profile, xmp;

  void set(std::string_view key, std::string value) {
    if (key == "exif") {
      exif = std::move(value);
    } else if (key == "Raw profile type exif") {
      raw_profile = std::move(value);
    } else if (key == "XML:com.adobe.xmp") {
      xmp = std::move(value);
    }
  }
};

/// Splits `s` at its first NUL; nothing when it has none.
std::optional<std::pair<std::string_view, std::string_view>> split_nul(
    std::string_view s) {
  auto nul = s.find('\0');
  if (nul == std::string_view::npos) {
    return std::nullopt;
  }
  return std::pair{s.substr(0, nul), s.substr(nul + 1)};
}

/// Adds a text chunk to `info` as Pillow's chunk_tEXt, chunk_zTXt and
/// chunk_iTXt do. Latin-1 text is kept as its bytes: only ASCII is matched.
actors::result<void> add_text(png_info& info, const png_chunk& c) {
  if (c.type == "tEXt" || c.type == "zTXt") {
    auto parts = split_nul(c.data).value_or(std::pair{c.data, std::string_view{}});
    std::string value{parts.second};
    if (c.type == "zTXt") {
      if (!parts.second.empty() && parts.second[0] != 0) {
        return actors::fail(actors::errc::invalid_input,
                            "PNG zTXt chunk of an unknown compression method");
      }
      // Too large, Pillow refuses the file, then reads it with
      // LOAD_TRUNCATED_IMAGES as ComfyUI retries: as empty text.
      auto decoded = inflate_text(parts.second.substr(parts.second.empty() ? 0 : 1));
      value = decoded.value_or("");
    }
    if (!parts.first.empty()) {
      info.set(parts.first, std::move(value));
    }
    return actors::ok();
  }
  auto key_rest = split_nul(c.data);
  if (!key_rest || key_rest->second.size() < 2) {
    return actors::ok();
  }
  auto flag = key_rest->second[0], method = key_rest->second[1];
  auto lang_rest = split_nul(key_rest->second.substr(2));
  auto tk_rest = lang_rest ? split_nul(lang_rest->second) : std::nullopt;
  if (!tk_rest) {
    return actors::ok();
  }
  std::string value{tk_rest->second};
  if (flag != 0) {
    if (method != 0) {
      return actors::ok();
    }
    auto decoded = inflate_text(value);
    if (!decoded) {  // corrupt, or too large on ComfyUI's retry
      return actors::ok();
    }
    value = std::move(*decoded);
  }
  if (is_utf8(lang_rest->first) && is_utf8(tk_rest->first) && is_utf8(value)) {
    info.set(key_rest->first, std::move(value));
  }
  return actors::ok();
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  c = static_cast<char>(c | 0x20);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/// Python's bytes.fromhex over the profile's lines after the third, joined;
/// nothing where it raises.
std::optional<std::string> raw_profile_bytes(const std::string& text) {
  std::size_t at = 0;
  for (int line = 0; line < 3 && at != std::string::npos; ++line) {
    at = text.find('\n', at);
    at = at == std::string::npos ? at : at + 1;
  }
  std::string hex;
  for (std::size_t i = at == std::string::npos ? text.size() : at; i < text.size(); ++i) {
    if (text[i] != '\n') {
      hex += text[i];
    }
  }
  std::string out;
  for (std::size_t i = 0; i < hex.size();) {
    if (std::string_view{" \t\r\v\f"}.find(hex[i]) != std::string_view::npos) {
      ++i;
      continue;
    }
    int high = hex_digit(hex[i]), low = i + 1 < hex.size() ? hex_digit(hex[i + 1]) : -1;
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(high << 4 | low);
    i += 2;
  }
  return out;
}

/// The digit of the first `tiff:Orientation="N` or `tiff:Orientation>N`.
std::optional<long> xmp_orientation(const std::string& xmp) {
  static const std::string name = "tiff:Orientation";
  for (auto at = xmp.find(name); at != std::string::npos; at = xmp.find(name, at + 1)) {
    auto rest = std::string_view{xmp}.substr(at + name.size());
    auto skip = rest.substr(0, 2) == "=\"" ? 2u : rest.substr(0, 1) == ">" ? 1u : 0u;
    if (skip != 0 && rest.size() > skip && rest[skip] >= '0' && rest[skip] <= '9') {
      return rest[skip] - '0';
    }
  }
  return std::nullopt;
}

}  // namespace

actors::result<int> png_orientation(const std::vector<png_chunk>& chunks) {
  png_info info;
  for (const auto& c : chunks) {
    if (c.type == "eXIf") {
      info.exif = std::string{c.data};
    } else if (c.type == "tEXt" || c.type == "zTXt" || c.type == "iTXt") {
      DROVER_TRYV(add_text(info, c));
    }
  }

  std::optional<long> value;
  if (info.exif) {
    value = exif_orientation_entry(*info.exif);
  } else if (info.raw_profile) {
    auto exif = raw_profile_bytes(*info.raw_profile);
    if (!exif) {
      // getexif raised after marking its EXIF read; ComfyUI's retry gets
      // that empty EXIF back and looks no further.
      return 1;
    }
    value = exif_orientation_entry(*exif);
  }
  if (!value && info.xmp) {
    value = xmp_orientation(*info.xmp);
  }
  return value && *value >= 1 && *value <= 8 ? static_cast<int>(*value) : 1;
}

}  // namespace drover::worker
