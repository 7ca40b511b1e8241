#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/result.hpp"

namespace drover::gateway {

/// One part of a `multipart/form-data` body (RFC 7578).
struct form_part {
  std::string name;                     ///< Content-Disposition `name`
  std::optional<std::string> filename;  ///< set only for a file part
  std::string content_type;             ///< "" when the part has none
  std::string body;
};

/// The `boundary` parameter of a `multipart/form-data` Content-Type, quoted
/// or not. Fails with errc::invalid_input for any other type, a missing
/// boundary, or one longer than RFC 2046's 70 characters.
actors::result<std::string> multipart_boundary(std::string_view content_type);

/// Splits `body` into its parts. Written for hostile input: every length is
/// checked before it is used, there are at most `max_parts` parts, header
/// blocks are bounded, and anything malformed (no opening or closing
/// delimiter, a part without Content-Disposition or name) fails with
/// errc::invalid_input instead of being guessed at.
actors::result<std::vector<form_part>> parse_multipart(std::string_view body,
                                                       std::string_view boundary,
                                                       std::size_t max_parts = 64);

/// The first part called `name`, or nullptr.
const form_part* find_part(const std::vector<form_part>& parts, std::string_view name);

}  // namespace drover::gateway
