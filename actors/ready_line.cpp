#include "actors/ready_line.hpp"

namespace drover::actors {

namespace {
constexpr std::string_view marker = "drover-ready";
}

std::string ready_line::to_string() const {
  std::string out{marker};
  out += " role=" + role;
  for (const auto& [key, value] : fields) {
    out += " " + key + "=" + value;
  }
  return out;
}

std::optional<ready_line> ready_line::parse(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (line.substr(0, marker.size()) != marker) {
    return std::nullopt;
  }
  line.remove_prefix(marker.size());

  ready_line parsed;
  while (!line.empty()) {
    if (line.front() == ' ') {
      line.remove_prefix(1);
      continue;
    }
    auto end = line.find(' ');
    auto token = line.substr(0, end);
    line = end == std::string_view::npos ? std::string_view{} : line.substr(end);
    auto eq = token.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return std::nullopt;
    }
    std::string key{token.substr(0, eq)};
    std::string value{token.substr(eq + 1)};
    if (key == "role") {
      parsed.role = std::move(value);
    } else {
      parsed.fields[std::move(key)] = std::move(value);
    }
  }
  if (parsed.role.empty()) {
    return std::nullopt;
  }
  return parsed;
}

}  // namespace drover::actors
