#pragma once

#include <boost/outcome/result.hpp>
#include <boost/outcome/try.hpp>

#include "actors/error.hpp"

namespace drover::actors {

namespace outcome = BOOST_OUTCOME_V2_NAMESPACE;

/// A value of type T or an `error`. Reading the value of a result that holds
/// an error terminates the process: check `has_value()` first, or propagate
/// with DROVER_TRY.
template <class T>
using result = outcome::result<T, error, outcome::policy::terminate>;

/// A success that carries no value.
inline result<void> ok() {
  return outcome::success();
}

/// Shorthand for returning a failure: `return fail(errc::not_found, "...")`.
inline error fail(errc code, std::string message) {
  return error{code, std::move(message)};
}

}  // namespace drover::actors

/// `DROVER_TRY(x, expr);` declares `auto&& x` bound to the value of the result
/// `expr`, or returns its error from the enclosing function.
#define DROVER_TRY(name, ...) BOOST_OUTCOME_TRY(name, __VA_ARGS__)

/// `DROVER_TRYV(expr);` returns the error of `expr` from the enclosing
/// function, and otherwise discards its (void) value.
#define DROVER_TRYV(...) BOOST_OUTCOME_TRYV(__VA_ARGS__)
