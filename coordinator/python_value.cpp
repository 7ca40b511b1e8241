#include "coordinator/python_value.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "actors/prompt_request.hpp"

namespace drover::coordinator {

namespace {

bool is_numeric(const json& v) {
  return v.is_number() || v.is_boolean();
}

/// A numeric JSON value as long double; bools count as 0 and 1.
long double numeric(const json& v) {
  if (v.is_boolean()) {
    return v.get<bool>() ? 1 : 0;
  }
  if (v.is_number_unsigned()) {
    return static_cast<long double>(v.get<std::uint64_t>());
  }
  if (v.is_number_integer()) {
    return static_cast<long double>(v.get<std::int64_t>());
  }
  return v.get<double>();
}

/// Python's `repr(float)`: the shortest digits that round-trip, fixed notation
/// for exponents in [-4, 16), scientific otherwise.
std::string float_repr(double x) {
  if (std::isnan(x)) {
    return "nan";
  }
  if (std::isinf(x)) {
    return x < 0 ? "-inf" : "inf";
  }
  char buffer[64];
  int precision = 1;
  for (; precision < 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*e", precision - 1, x);
    if (std::strtod(buffer, nullptr) == x) {
      break;
    }
  }
  std::snprintf(buffer, sizeof buffer, "%.*e", precision - 1, x);
  std::string text{buffer};
  auto e = text.find('e');
  int exponent = std::atoi(text.c_str() + e + 1);
  std::string mantissa = text.substr(0, e);
  bool negative = mantissa[0] == '-';
  if (negative) {
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') {
      digits += c;
    }
  }
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
  }

  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    } else if (static_cast<std::size_t>(exponent) + 1 >= digits.size()) {
      out += digits + std::string(exponent + 1 - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) {
    out += "." + digits.substr(1);
  }
  char exp_text[16];
  std::snprintf(exp_text, sizeof exp_text, "e%c%02d", exponent < 0 ? '-' : '+',
                std::abs(exponent));
  return out + exp_text;
}

std::string string_repr(const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c == quote) {
          out += '\\';
          out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02x", c);
          out += hex;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += quote;
  return out;
}

std::string trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t\n\r\f\v");
  if (first == std::string::npos) {
    return "";
  }
  auto last = s.find_last_not_of(" \t\n\r\f\v");
  return s.substr(first, last - first + 1);
}

/// Removes single underscores between digits, as Python's literal parsing
/// allows; nullopt when an underscore sits anywhere else.
std::optional<std::string> without_underscores(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '_') {
      out += s[i];
      continue;
    }
    bool digit_before = i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1]));
    bool digit_after =
        i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]));
    if (!digit_before || !digit_after) {
      return std::nullopt;
    }
  }
  return out;
}

/// An integer too large for 64 bits is kept as a float: JSON cannot carry it.
json integral(long double value) {
  if (value >= -9223372036854775807.0L - 1 && value <= 9223372036854775807.0L) {
    return static_cast<std::int64_t>(value);
  }
  if (value > 0 && value <= 18446744073709551615.0L) {
    return static_cast<std::uint64_t>(value);
  }
  return static_cast<double>(value);
}

std::optional<json> parse_int_text(const std::string& text) {
  auto cleaned = without_underscores(trim(text));
  if (!cleaned || cleaned->empty()) {
    return std::nullopt;
  }
  std::size_t start = (*cleaned)[0] == '+' || (*cleaned)[0] == '-' ? 1 : 0;
  if (start == cleaned->size()) {
    return std::nullopt;
  }
  for (std::size_t i = start; i < cleaned->size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>((*cleaned)[i]))) {
      return std::nullopt;
    }
  }
  errno = 0;
  long long parsed = std::strtoll(cleaned->c_str(), nullptr, 10);
  if (errno == 0) {
    return json(static_cast<std::int64_t>(parsed));
  }
  errno = 0;
  unsigned long long big = std::strtoull(cleaned->c_str(), nullptr, 10);
  if (errno == 0 && (*cleaned)[0] != '-') {
    return json(static_cast<std::uint64_t>(big));
  }
  return json(std::strtod(cleaned->c_str(), nullptr));
}

std::optional<double> parse_float_text(const std::string& text) {
  auto cleaned = without_underscores(trim(text));
  if (!cleaned || cleaned->empty() ||
      cleaned->find_first_of("xXpP") != std::string::npos) {
    return std::nullopt;
  }
  char* end = nullptr;
  double parsed = std::strtod(cleaned->c_str(), &end);
  if (end != cleaned->c_str() + cleaned->size()) {
    return std::nullopt;
  }
  return parsed;
}

}  // namespace

std::string python_type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "NoneType";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "int";
    case json::value_t::number_float:
      return "float";
    case json::value_t::string:
      return "str";
    case json::value_t::array:
      return "list";
    default:
      return "dict";
  }
}

std::string python_repr(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "None";
    case json::value_t::boolean:
      return value.get<bool>() ? "True" : "False";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return value.dump();
    case json::value_t::number_float:
      return float_repr(value.get<double>());
    case json::value_t::string:
      return string_repr(value.get_ref<const std::string&>());
    case json::value_t::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < value.size(); ++i) {
        out += (i ? ", " : "") + python_repr(value[i]);
      }
      return out + "]";
    }
    default: {
      std::string out = "{";
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        out += (first ? "" : ", ") + string_repr(key) + ": " + python_repr(item);
        first = false;
      }
      return out + "}";
    }
  }
}

std::string python_str(const json& value) {
  return value.is_string() ? value.get<std::string>() : python_repr(value);
}

python_conversion python_int(const json& value) {
  if (value.is_boolean()) {
    return {json(value.get<bool>() ? 1 : 0), ""};
  }
  if (value.is_number_integer() || value.is_number_unsigned()) {
    return {value, ""};
  }
  if (value.is_number_float()) {
    return {integral(std::trunc(static_cast<long double>(value.get<double>()))), ""};
  }
  if (value.is_string()) {
    if (auto parsed = parse_int_text(value.get<std::string>())) {
      return {parsed, ""};
    }
    return {std::nullopt,
            "invalid literal for int() with base 10: " + python_repr(value)};
  }
  return {std::nullopt,
          "int() argument must be a string, a bytes-like object or a real number, not '" +
              python_type_name(value) + "'"};
}

python_conversion python_float(const json& value) {
  if (is_numeric(value)) {
    return {json(static_cast<double>(numeric(value))), ""};
  }
  if (value.is_string()) {
    if (auto parsed = parse_float_text(value.get<std::string>())) {
      return {json(*parsed), ""};
    }
    return {std::nullopt, "could not convert string to float: " + python_repr(value)};
  }
  return {std::nullopt, "float() argument must be a string or a real number, not '" +
                            python_type_name(value) + "'"};
}

python_conversion python_string(const json& value) {
  return {json(python_str(value)), ""};
}

python_conversion python_bool(const json& value) {
  return {json(actors::json_truthy(value)), ""};
}

bool python_equal(const json& a, const json& b) {
  if (is_numeric(a) && is_numeric(b)) {
    return numeric(a) == numeric(b);
  }
  if (a.type() != b.type()) {
    return false;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) {
      return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!python_equal(a[i], b[i])) {
        return false;
      }
    }
    return true;
  }
  return a == b;
}

std::optional<bool> python_less(const json& a, const json& b, std::string& type_error) {
  if (is_numeric(a) && is_numeric(b)) {
    return numeric(a) < numeric(b);
  }
  if (a.is_string() && b.is_string()) {
    return a.get<std::string>() < b.get<std::string>();
  }
  type_error = "'<' not supported between instances of '" + python_type_name(a) +
               "' and '" + python_type_name(b) + "'";
  return std::nullopt;
}

}  // namespace drover::coordinator
