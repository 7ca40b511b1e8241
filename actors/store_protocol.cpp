#include "actors/store_protocol.hpp"

namespace drover::actors {

bool is_store_type(std::string_view type) {
  return type == "input" || type == "output" || type == "temp";
}

result<void> check_subfolder(std::string_view subfolder) {
  if (subfolder.empty()) {
    return ok();
  }
  if (subfolder.find('\0') != std::string_view::npos ||
      subfolder.find('\\') != std::string_view::npos) {
    return fail(errc::invalid_input, "subfolder holds a forbidden character");
  }
  if (subfolder.front() == '/') {
    return fail(errc::invalid_input, "subfolder must be relative");
  }
  std::size_t start = 0;
  while (start <= subfolder.size()) {
    auto end = subfolder.find('/', start);
    if (end == std::string_view::npos) {
      end = subfolder.size();
    }
    auto part = subfolder.substr(start, end - start);
    if (part.empty() && end != subfolder.size()) {
      return fail(errc::invalid_input, "subfolder has an empty component");
    }
    if (part == "." || part == "..") {
      return fail(errc::invalid_input, "subfolder must not contain '.' or '..'");
    }
    start = end + 1;
  }
  return ok();
}

result<void> check_filename(std::string_view filename) {
  if (filename.empty() || filename == "." || filename == "..") {
    return fail(errc::invalid_input, "invalid file name");
  }
  if (filename.find_first_of(std::string_view{"/\\\0", 3}) != std::string_view::npos) {
    return fail(errc::invalid_input, "file name holds a forbidden character");
  }
  return ok();
}

result<void> check_store_file(const store_file& file) {
  if (!is_store_type(file.type)) {
    return fail(errc::invalid_input, "unknown folder type '" + file.type + "'");
  }
  DROVER_TRYV(check_subfolder(file.subfolder));
  return check_filename(file.filename);
}

}  // namespace drover::actors
