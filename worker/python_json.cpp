#include "worker/python_json.hpp"

#include <algorithm>
#include <cmath>

namespace drover::worker {

namespace {

/// How containers are laid out: on one line (`indent` < 0) or one element
/// per line, `indent` spaces deeper per level, as json.dumps(indent=...) does.
struct layout {
  int indent = -1;

  /// What goes before the first element and between two, at `depth`.
  std::string separator(bool first, int depth) const {
    if (indent < 0) {
      return first ? "" : ", ";
    }
    return (first ? "\n" : ",\n") +
           std::string(static_cast<std::size_t>(indent * depth), ' ');
  }

  /// What closes a non-empty container opened at `depth`.
  std::string closing(int depth) const {
    return indent < 0 ? ""
                      : "\n" + std::string(static_cast<std::size_t>(indent * depth), ' ');
  }
};

void write(std::string& out, const json& value, const layout& how, int depth) {
  switch (value.type()) {
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, element] : value.items()) {
        out += how.separator(first, depth + 1);
        first = false;
        out += json(key).dump(-1, ' ', true);
        out += ": ";
        write(out, element, how, depth + 1);
      }
      out += first ? "" : how.closing(depth);
      out += '}';
      return;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value) {
        out += how.separator(first, depth + 1);
        first = false;
        write(out, element, how, depth + 1);
      }
      out += first ? "" : how.closing(depth);
      out += ']';
      return;
    }
    case json::value_t::number_float: {
      double d = value.get<double>();
      if (std::isnan(d)) {
        out += "NaN";
      } else if (std::isinf(d)) {
        out += d > 0 ? "Infinity" : "-Infinity";
      } else {
        out += value.dump();
      }
      return;
    }
    default:
      out += value.dump(-1, ' ', true);
      return;
  }
}

}  // namespace

std::string python_json_dumps(const json& value) {
  std::string out;
  write(out, value, layout{}, 0);
  return out;
}

std::string python_json_dumps(const json& value, int indent) {
  std::string out;
  write(out, value, layout{std::max(indent, 0)}, 0);
  return out;
}

}  // namespace drover::worker
