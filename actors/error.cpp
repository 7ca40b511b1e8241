#include "actors/error.hpp"

namespace drover::actors {

std::string_view to_string(errc code) {
  switch (code) {
    case errc::invalid_input:
      return "invalid_input";
    case errc::not_found:
      return "not_found";
    case errc::io_failure:
      return "io_failure";
    case errc::protocol:
      return "protocol";
    case errc::unavailable:
      return "unavailable";
    case errc::timeout:
      return "timeout";
    case errc::interrupted:
      return "interrupted";
    case errc::execution:
      return "execution";
    case errc::internal:
      return "internal";
  }
  return "unknown";
}

std::string describe(const error& e) {
  std::string out{to_string(e.code)};
  out += ": ";
  out += e.message;
  return out;
}

}  // namespace drover::actors
