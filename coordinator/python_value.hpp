#pragma once

// Python's view of JSON values, as ComfyUI's validation (execution.py
// `validate_inputs`) applies it to prompt inputs: `str()`/`repr()` text for
// error messages, `int()`/`float()`/`str()`/`bool()` coercions, `==` and `<`.
// Error texts are CPython 3.11's, because clients show them verbatim.

#include <optional>
#include <string>

#include "actors/json.hpp"

namespace drover::coordinator {

/// Python's type name of a JSON value: NoneType, bool, int, float, str, list,
/// dict.
std::string python_type_name(const json& value);

/// `repr(value)`: strings in single quotes, True/False/None, floats in their
/// shortest round-trip form ("64.5", "1e+16").
std::string python_repr(const json& value);

/// `str(value)`: a string as is, anything else as `repr`.
std::string python_str(const json& value);

/// A coercion: the converted value, or the exception message it raised.
struct python_conversion {
  std::optional<json> value;
  std::string exception_message;
};

/// `int(value)`: truncates floats, parses base-10 strings ("  -7 ", "1_000").
python_conversion python_int(const json& value);

/// `float(value)`.
python_conversion python_float(const json& value);

/// `str(value)` as a JSON string.
python_conversion python_string(const json& value);

/// `bool(value)`: Python truthiness.
python_conversion python_bool(const json& value);

/// `a == b` with Python's numeric tower (1 == 1.0 == True).
bool python_equal(const json& a, const json& b);

/// `a < b` for numbers; nullopt where Python raises TypeError, with the
/// message in `type_error`.
std::optional<bool> python_less(const json& a, const json& b, std::string& type_error);

}  // namespace drover::coordinator
