#include "actors/msgpack_reader.hpp"

#include "actors/msgpack_json.hpp"

namespace drover::actors {

namespace {

error wrong_type(std::string_view key, const char* wanted) {
  return error{errc::protocol,
               "field '" + std::string{key} + "' is not " + std::string{wanted}};
}

}  // namespace

result<msgpack_reader> msgpack_reader::of(const msgpack::object& object) {
  if (object.type != msgpack::type::MAP) {
    return fail(errc::protocol, "expected a msgpack map");
  }
  return msgpack_reader{object.via.map};
}

const msgpack::object* msgpack_reader::find(std::string_view key) const {
  for (std::uint32_t i = 0; i < map_->size; ++i) {
    const auto& kv = map_->ptr[i];
    if (kv.key.type == msgpack::type::STR &&
        std::string_view{kv.key.via.str.ptr, kv.key.via.str.size} == key) {
      return &kv.val;
    }
  }
  return nullptr;
}

result<const msgpack::object*> msgpack_reader::require(std::string_view key) const {
  if (auto* found = find(key)) {
    return found;
  }
  return fail(errc::protocol, "missing field '" + std::string{key} + "'");
}

result<std::string> msgpack_reader::string(std::string_view key) const {
  DROVER_TRY(value, require(key));
  if (value->type != msgpack::type::STR) {
    return wrong_type(key, "a string");
  }
  return std::string{value->via.str.ptr, value->via.str.size};
}

result<std::string> msgpack_reader::optional_string(std::string_view key) const {
  auto* value = find(key);
  if (value == nullptr || value->type == msgpack::type::NIL) {
    return std::string{};
  }
  if (value->type != msgpack::type::STR) {
    return wrong_type(key, "a string or nil");
  }
  return std::string{value->via.str.ptr, value->via.str.size};
}

result<std::uint64_t> msgpack_reader::unsigned_integer(std::string_view key) const {
  DROVER_TRY(value, require(key));
  if (value->type != msgpack::type::POSITIVE_INTEGER) {
    return wrong_type(key, "an unsigned integer");
  }
  return value->via.u64;
}

result<std::int64_t> msgpack_reader::integer(std::string_view key) const {
  DROVER_TRY(value, require(key));
  if (value->type == msgpack::type::NEGATIVE_INTEGER) {
    return value->via.i64;
  }
  if (value->type == msgpack::type::POSITIVE_INTEGER && value->via.u64 <= INT64_MAX) {
    return static_cast<std::int64_t>(value->via.u64);
  }
  return wrong_type(key, "an integer");
}

result<double> msgpack_reader::number(std::string_view key) const {
  DROVER_TRY(value, require(key));
  switch (value->type) {
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return value->via.f64;
    case msgpack::type::POSITIVE_INTEGER:
      return static_cast<double>(value->via.u64);
    case msgpack::type::NEGATIVE_INTEGER:
      return static_cast<double>(value->via.i64);
    default:
      return wrong_type(key, "a number");
  }
}

result<bool> msgpack_reader::boolean(std::string_view key) const {
  DROVER_TRY(value, require(key));
  if (value->type != msgpack::type::BOOLEAN) {
    return wrong_type(key, "a boolean");
  }
  return value->via.boolean;
}

result<std::vector<std::string>> msgpack_reader::strings(std::string_view key) const {
  DROVER_TRY(value, require(key));
  if (value->type != msgpack::type::ARRAY) {
    return wrong_type(key, "a list of strings");
  }
  std::vector<std::string> out;
  out.reserve(value->via.array.size);
  for (std::uint32_t i = 0; i < value->via.array.size; ++i) {
    const auto& element = value->via.array.ptr[i];
    if (element.type != msgpack::type::STR) {
      return wrong_type(key, "a list of strings");
    }
    out.emplace_back(element.via.str.ptr, element.via.str.size);
  }
  return out;
}

result<std::vector<std::uint8_t>> msgpack_reader::bytes(std::string_view key) const {
  DROVER_TRY(value, require(key));
  if (value->type != msgpack::type::BIN) {
    return wrong_type(key, "binary");
  }
  const auto* begin = reinterpret_cast<const std::uint8_t*>(value->via.bin.ptr);
  return std::vector<std::uint8_t>(begin, begin + value->via.bin.size);
}

result<msgpack_reader> msgpack_reader::map(std::string_view key) const {
  DROVER_TRY(value, require(key));
  if (value->type != msgpack::type::MAP) {
    return wrong_type(key, "a map");
  }
  return msgpack_reader{value->via.map};
}

result<json> msgpack_reader::json_value(std::string_view key) const {
  DROVER_TRY(value, require(key));
  return unpack_json(*value);
}

}  // namespace drover::actors
