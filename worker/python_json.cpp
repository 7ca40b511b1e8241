#include "worker/python_json.hpp"

#include <cmath>

namespace drover::worker {

namespace {

void write(std::string& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, element] : value.items()) {
        if (!first) {
          out += ", ";
        }
        first = false;
        out += json(key).dump(-1, ' ', true);
        out += ": ";
        write(out, element);
      }
      out += '}';
      return;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value) {
        if (!first) {
          out += ", ";
        }
        first = false;
        write(out, element);
      }
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
  write(out, value);
  return out;
}

}  // namespace drover::worker
