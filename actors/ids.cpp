#include "actors/ids.hpp"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

namespace drover::actors {

namespace {

boost::uuids::uuid random_uuid() {
  // One generator per thread: seeding is costly and the generator is not
  // thread-safe.
  thread_local boost::uuids::random_generator generator;
  return generator();
}

}  // namespace

std::string new_uuid() {
  return boost::uuids::to_string(random_uuid());
}

std::string new_hex_id() {
  static constexpr char digits[] = "0123456789abcdef";
  auto id = random_uuid();
  std::string out;
  out.reserve(32);
  for (auto byte : id) {
    out += digits[byte >> 4];
    out += digits[byte & 0x0f];
  }
  return out;
}

}  // namespace drover::actors
