#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace drover::actors {

/// The one line a drover process prints on stdout once it serves, so that a
/// launcher (`drover up`, the tests) learns the ports it bound without racing
/// for free ones: `drover-ready role=worker events=tcp://127.0.0.1:40123 …`.
/// Field values contain no spaces.
struct ready_line {
  std::string role;
  std::map<std::string, std::string> fields;

  std::string to_string() const;

  /// Parses a line printed by `to_string`; nullopt for any other line.
  static std::optional<ready_line> parse(std::string_view line);
};

}  // namespace drover::actors
