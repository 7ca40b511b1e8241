#pragma once

#include <string>
#include <string_view>

namespace drover::actors {

/// The kinds of failure drover's components report to one another. Each
/// names what the caller can do about it, not where it happened.
enum class errc {
  invalid_input,  ///< the request or payload is malformed; retrying cannot help
  not_found,      ///< the named prompt, file or node does not exist
  io_failure,     ///< a file or socket operation failed
  protocol,       ///< a peer sent something the wire format does not allow
  unavailable,    ///< the peer or resource is not reachable right now
  timeout,        ///< no answer within the deadline
  interrupted,    ///< the work was cancelled on request
  execution,      ///< a node failed while running
  internal,       ///< a broken invariant inside drover
};

/// Stable lowercase name of `code`, used in logs and on the wire.
std::string_view to_string(errc code);

/// A failure as a value: what kind, and a message for a human.
struct error {
  errc code = errc::internal;
  std::string message;
};

/// "kind: message", for logs.
std::string describe(const error& e);

}  // namespace drover::actors
