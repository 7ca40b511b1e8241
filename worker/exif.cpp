#include "worker/exif.hpp"

#include <algorithm>

namespace drover::worker {

namespace {

constexpr std::uint16_t ascii_type = 2;

void put16(std::string& out, std::uint32_t v) {
  out += static_cast<char>((v >> 8) & 0xFF);
  out += static_cast<char>(v & 0xFF);
}

void put32(std::string& out, std::uint32_t v) {
  put16(out, v >> 16);
  put16(out, v & 0xFFFF);
}

/// `text` as NUL-terminated ASCII, one `?` per non-ASCII code point.
std::string ascii_field(const std::string& text) {
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      out += c;
    } else if ((byte & 0xC0) != 0x80) {  // a lead byte: one code point
      out += '?';
    }
  }
  out += '\0';
  return out;
}

}  // namespace

std::string encode_exif(std::vector<exif_text> entries) {
  std::stable_sort(
      entries.begin(), entries.end(),
      [](const exif_text& a, const exif_text& b) { return a.first < b.first; });
  // Offsets count from the TIFF header; the directory starts right after it.
  constexpr std::uint32_t header = 8;
  std::string out{"Exif\0\0MM\0\x2a\0\0\0\x08", 14};
  put16(out, static_cast<std::uint32_t>(entries.size()));
  std::uint32_t offset = header + 2 + 12 * static_cast<std::uint32_t>(entries.size()) + 4;
  std::string data;
  for (const auto& [tag, text] : entries) {
    auto field = ascii_field(text);
    put16(out, tag);
    put16(out, ascii_type);
    put32(out, static_cast<std::uint32_t>(field.size()));
    if (field.size() <= 4) {
      field.resize(4, '\0');
      out += field;
      continue;
    }
    put32(out, offset);
    if (field.size() % 2 != 0) {
      field += '\0';
    }
    offset += static_cast<std::uint32_t>(field.size());
    data += field;
  }
  put32(out, 0);  // no next directory
  return out + data;
}

}  // namespace drover::worker
