#include "actors/msgpack_json.hpp"

namespace drover::actors {

namespace {

constexpr int max_depth = 64;

result<json> unpack_at(const msgpack::object& in, int depth) {
  if (depth > max_depth) {
    return fail(errc::protocol, "msgpack value nested deeper than 64");
  }
  switch (in.type) {
    case msgpack::type::NIL:
      return json(nullptr);
    case msgpack::type::BOOLEAN:
      return json(in.via.boolean);
    case msgpack::type::POSITIVE_INTEGER:
      return json(in.via.u64);
    case msgpack::type::NEGATIVE_INTEGER:
      return json(in.via.i64);
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return json(in.via.f64);
    case msgpack::type::STR:
      return json(std::string{in.via.str.ptr, in.via.str.size});
    case msgpack::type::ARRAY: {
      json out = json::array();
      for (std::uint32_t i = 0; i < in.via.array.size; ++i) {
        DROVER_TRY(element, unpack_at(in.via.array.ptr[i], depth + 1));
        out.push_back(std::move(element));
      }
      return out;
    }
    case msgpack::type::MAP: {
      json out = json::object();
      for (std::uint32_t i = 0; i < in.via.map.size; ++i) {
        const auto& kv = in.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) {
          return fail(errc::protocol, "msgpack map key is not a string");
        }
        DROVER_TRY(value, unpack_at(kv.val, depth + 1));
        out[std::string{kv.key.via.str.ptr, kv.key.via.str.size}] = std::move(value);
      }
      return out;
    }
    default:
      return fail(errc::protocol, "msgpack binary or extension where JSON was expected");
  }
}

}  // namespace

void pack_json(msgpack::packer<msgpack::sbuffer>& out, const json& value) {
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      out.pack_nil();
      return;
    case json::value_t::boolean:
      value.get<bool>() ? out.pack_true() : out.pack_false();
      return;
    case json::value_t::number_integer:
      out.pack_int64(value.get<std::int64_t>());
      return;
    case json::value_t::number_unsigned:
      out.pack_uint64(value.get<std::uint64_t>());
      return;
    case json::value_t::number_float:
      out.pack_double(value.get<double>());
      return;
    case json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      out.pack_str(static_cast<std::uint32_t>(s.size()));
      out.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
      return;
    }
    case json::value_t::array:
      out.pack_array(static_cast<std::uint32_t>(value.size()));
      for (const auto& element : value) {
        pack_json(out, element);
      }
      return;
    case json::value_t::object:
      out.pack_map(static_cast<std::uint32_t>(value.size()));
      for (const auto& [key, element] : value.items()) {
        out.pack_str(static_cast<std::uint32_t>(key.size()));
        out.pack_str_body(key.data(), static_cast<std::uint32_t>(key.size()));
        pack_json(out, element);
      }
      return;
    case json::value_t::binary:
      // Nothing drover parses produces binary JSON values; write nil if one appears.
      out.pack_nil();
      return;
  }
}

result<json> unpack_json(const msgpack::object& in) {
  return unpack_at(in, 0);
}

msgpack::unpack_limit peer_unpack_limit() {
  return msgpack::unpack_limit(/*array=*/1 << 20, /*map=*/1 << 20,
                               /*str=*/64u << 20, /*bin=*/512u << 20, /*ext=*/0,
                               /*depth=*/max_depth + 8);
}

}  // namespace drover::actors
