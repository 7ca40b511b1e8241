#include "gateway/multipart.hpp"

#include <algorithm>
#include <cctype>

namespace drover::gateway {

namespace {

constexpr std::size_t max_header_block = 16 * 1024;

actors::error malformed(std::string what) {
  return actors::fail(actors::errc::invalid_input, "malformed multipart body: " + what);
}

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

/// A header's `; key=value` parameters, keys lowercased, quoted values
/// unescaped. The first element is the value before the first `;`.
struct header_value {
  bool well_formed = true;  ///< false after an unterminated quoted string
  std::string value;
  std::vector<std::pair<std::string, std::string>> params;

  std::optional<std::string> param(std::string_view key) const {
    for (const auto& [k, v] : params) {
      if (k == key) {
        return v;
      }
    }
    return std::nullopt;
  }
};

/// Reads one parameter value at `text[i]`: a quoted string (backslash
/// escapes the next character) or a token up to `;`.
std::string read_param_value(std::string_view text, std::size_t& i, bool& closed) {
  std::string out;
  if (i < text.size() && text[i] == '"') {
    for (++i; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) {
        ++i;
      }
      out += text[i];
    }
    closed = i < text.size();
    if (closed) {
      ++i;  // the closing quote
    }
    while (i < text.size() && text[i] != ';') {
      ++i;
    }
    return out;
  }
  auto end = text.find(';', i);
  if (end == std::string_view::npos) {
    end = text.size();
  }
  out = std::string{trim(text.substr(i, end - i))};
  i = end;
  return out;
}

header_value parse_header_value(std::string_view text) {
  header_value out;
  auto semi = text.find(';');
  out.value = lower(trim(text.substr(0, semi)));
  std::size_t i = semi == std::string_view::npos ? text.size() : semi;
  while (i < text.size()) {
    ++i;  // the ';'
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
      ++i;
    }
    auto eq = text.find_first_of("=;", i);
    if (eq == std::string_view::npos || text[eq] == ';') {
      i = eq == std::string_view::npos ? text.size() : eq;
      continue;  // a parameter without a value carries nothing we read
    }
    auto key = lower(trim(text.substr(i, eq - i)));
    i = eq + 1;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
      ++i;
    }
    bool closed = true;
    out.params.emplace_back(std::move(key), read_param_value(text, i, closed));
    out.well_formed = out.well_formed && closed;
  }
  return out;
}

/// Fills `part` from one header block (lines separated by CRLF).
actors::result<void> read_part_headers(std::string_view block, form_part& part) {
  bool has_disposition = false;
  while (!block.empty()) {
    auto eol = block.find("\r\n");
    auto line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      return malformed("header line without a colon");
    }
    auto name = lower(trim(line.substr(0, colon)));
    auto value = trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      auto parsed = parse_header_value(value);
      if (!parsed.well_formed || parsed.value != "form-data") {
        return malformed("part disposition is not form-data");
      }
      auto field = parsed.param("name");
      if (!field) {
        return malformed("part without a name");
      }
      part.name = *field;
      part.filename = parsed.param("filename");
      has_disposition = true;
    } else if (name == "content-type") {
      part.content_type = std::string{value};
    }
  }
  if (!has_disposition) {
    return malformed("part without Content-Disposition");
  }
  return actors::ok();
}

}  // namespace

actors::result<std::string> multipart_boundary(std::string_view content_type) {
  auto parsed = parse_header_value(content_type);
  if (!parsed.well_formed || parsed.value != "multipart/form-data") {
    return actors::fail(actors::errc::invalid_input, "not multipart/form-data");
  }
  auto boundary = parsed.param("boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) {
    return actors::fail(actors::errc::invalid_input, "bad multipart boundary");
  }
  return *boundary;
}

actors::result<std::vector<form_part>> parse_multipart(std::string_view body,
                                                       std::string_view boundary,
                                                       std::size_t max_parts) {
  if (boundary.empty()) {
    return malformed("empty boundary");
  }
  const std::string delimiter = "--" + std::string{boundary};
  const std::string inner = "\r\n" + delimiter;

  // The first delimiter opens the body, or follows a preamble and a CRLF.
  std::size_t pos = 0;
  if (body.substr(0, delimiter.size()) != delimiter) {
    pos = body.find(inner);
    if (pos == std::string_view::npos) {
      return malformed("no opening delimiter");
    }
    pos += 2;
  }
  pos += delimiter.size();

  std::vector<form_part> parts;
  for (;;) {
    // After a delimiter: `--` closes the body, else optional padding and CRLF.
    if (body.substr(pos, 2) == "--") {
      return parts;
    }
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) {
      ++pos;
    }
    if (body.substr(pos, 2) != "\r\n") {
      return malformed("delimiter not followed by CRLF");
    }
    pos += 2;
    if (parts.size() == max_parts) {
      return malformed("too many parts");
    }

    auto headers_end = body.find("\r\n\r\n", pos);
    // A part with no headers at all starts with the blank line directly.
    bool no_headers = body.substr(pos, 2) == "\r\n";
    if (!no_headers &&
        (headers_end == std::string_view::npos || headers_end - pos > max_header_block)) {
      return malformed("unterminated part headers");
    }
    form_part part;
    auto block = no_headers ? std::string_view{} : body.substr(pos, headers_end - pos);
    DROVER_TRYV(read_part_headers(block, part));
    pos = no_headers ? pos + 2 : headers_end + 4;

    auto end = body.find(inner, pos);
    if (end == std::string_view::npos) {
      return malformed("no closing delimiter");
    }
    part.body = std::string{body.substr(pos, end - pos)};
    parts.push_back(std::move(part));
    pos = end + inner.size();
  }
}

const form_part* find_part(const std::vector<form_part>& parts, std::string_view name) {
  for (const auto& part : parts) {
    if (part.name == name) {
      return &part;
    }
  }
  return nullptr;
}

}  // namespace drover::gateway
