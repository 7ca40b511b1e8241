#pragma once

// Typed, checked access to the fields of a decoded msgpack map. Include only
// from .cpp files: it pulls in msgpack.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "actors/json.hpp"
#include "actors/result.hpp"

namespace drover::actors {

/// A view of a msgpack map with string keys. Every accessor fails with
/// errc::protocol naming the key when it is missing or of the wrong type.
/// Borrows the object: it must outlive the reader.
class msgpack_reader {
 public:
  /// Fails unless `object` is a map.
  static result<msgpack_reader> of(const msgpack::object& object);

  /// The value at `key`, or nullptr when absent.
  const msgpack::object* find(std::string_view key) const;

  result<std::string> string(std::string_view key) const;
  /// A string, or "" when the key holds nil or is absent.
  result<std::string> optional_string(std::string_view key) const;
  result<std::uint64_t> unsigned_integer(std::string_view key) const;
  result<std::int64_t> integer(std::string_view key) const;
  result<double> number(std::string_view key) const;
  result<bool> boolean(std::string_view key) const;
  result<std::vector<std::string>> strings(std::string_view key) const;
  result<std::vector<std::uint8_t>> bytes(std::string_view key) const;
  result<msgpack_reader> map(std::string_view key) const;
  /// Any msgpack value without binary parts, read as JSON.
  result<json> json_value(std::string_view key) const;

 private:
  explicit msgpack_reader(const msgpack::object_map& map) : map_(&map) {}
  result<const msgpack::object*> require(std::string_view key) const;

  const msgpack::object_map* map_;
};

/// Packs a string (msgpack str format).
inline void pack_string(msgpack::packer<msgpack::sbuffer>& out, std::string_view s) {
  out.pack_str(static_cast<std::uint32_t>(s.size()));
  out.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

}  // namespace drover::actors
