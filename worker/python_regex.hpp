#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "worker/node_value.hpp"

namespace drover::worker {

/// Python `re` flags that drover honours.
struct python_regex_flags {
  bool ignore_case = false;
  bool multiline = false;
  bool dotall = false;
};

/// Python's `re.sub(pattern, replacement, text, count=count, flags=flags)` on
/// top of std::regex (ECMAScript), for the common subset of Python's syntax:
/// groups, `(?:...)`, `(?P<name>...)`, look-ahead, classes, escapes, and the
/// replacement template's `\1`, `\g<1>`, `\g<name>` and character escapes.
/// `.` follows Python's rule (any character but `\n`, or any with dotall).
///
/// Fails with exception_type `re.error` and Python's message for the syntax
/// errors Python reports before matching: an unterminated group, an unbalanced
/// `)`, an unterminated class, nothing to repeat, a trailing backslash, a bad
/// escape or group reference in the replacement. Python syntax std::regex
/// lacks (look-behind, inline flags, conditionals) fails with
/// NotImplementedError rather than silently matching something else.
/// Known difference: text is matched as bytes, not code points, so `.` and
/// classes see one byte of a multi-byte UTF-8 character.
actors::outcome::result<std::string, node_failure, actors::outcome::policy::terminate>
python_re_sub(std::string_view pattern, std::string_view replacement,
              std::string_view text, std::int64_t count, python_regex_flags flags);

}  // namespace drover::worker
