#include "actors/event_codec.hpp"

#include "actors/msgpack_json.hpp"
#include "actors/msgpack_reader.hpp"

namespace drover::actors {

// The layout implemented here is docs/events.md §2: an array
// [version, kind, prompt_id, fragment, attempt, seq, timestamp_ms, body].

namespace {

constexpr std::uint64_t schema_version = 1;
constexpr std::uint32_t envelope_size = 8;

using packer = msgpack::packer<msgpack::sbuffer>;

void pack_key(packer& out, std::string_view key) {
  pack_string(out, key);
}

void pack_body(packer& out, const fragment_started& b) {
  out.pack_map(1);
  pack_key(out, "cached");
  out.pack_array(static_cast<std::uint32_t>(b.cached_nodes.size()));
  for (const auto& id : b.cached_nodes) {
    pack_string(out, id);
  }
}

void pack_body(packer& out, const node_started& b) {
  out.pack_map(4);
  pack_key(out, "node");
  pack_string(out, b.node_id);
  pack_key(out, "display");
  pack_string(out, b.display_node);
  pack_key(out, "parent");
  if (b.parent_node.empty()) {
    out.pack_nil();
  } else {
    pack_string(out, b.parent_node);
  }
  pack_key(out, "real");
  pack_string(out, b.real_node);
}

void pack_body(packer& out, const node_progress& b) {
  out.pack_map(3 + (b.preview_follows ? 1 : 0) + (b.state_only ? 1 : 0));
  pack_key(out, "node");
  pack_string(out, b.node_id);
  pack_key(out, "value");
  out.pack_double(b.value);
  pack_key(out, "max");
  out.pack_double(b.max);
  if (b.preview_follows) {
    pack_key(out, "preview");
    out.pack(true);
  }
  if (b.state_only) {
    pack_key(out, "state_only");
    out.pack(true);
  }
}

void pack_body(packer& out, const node_output& b) {
  out.pack_map(3);
  pack_key(out, "node");
  pack_string(out, b.node_id);
  pack_key(out, "display");
  pack_string(out, b.display_node);
  pack_key(out, "ui");
  pack_json(out, b.ui);
}

void pack_body(packer& out, const node_finished& b) {
  out.pack_map(1);
  pack_key(out, "node");
  pack_string(out, b.node_id);
}

void pack_body(packer& out, const node_text& b) {
  out.pack_map(2);
  pack_key(out, "node");
  pack_string(out, b.node_id);
  pack_key(out, "text");
  pack_string(out, b.text);
}

void pack_body(packer& out, const node_preview& b) {
  out.pack_map(3);
  pack_key(out, "node");
  pack_string(out, b.node_id);
  pack_key(out, "mime");
  pack_string(out, b.image_type);
  pack_key(out, "image");
  out.pack_bin(static_cast<std::uint32_t>(b.image.size()));
  out.pack_bin_body(reinterpret_cast<const char*>(b.image.data()),
                    static_cast<std::uint32_t>(b.image.size()));
}

void pack_body(packer& out, const custom_message& b) {
  out.pack_map(3);
  pack_key(out, "type");
  pack_string(out, b.type);
  pack_key(out, "data");
  pack_json(out, b.data);
  pack_key(out, "broadcast");
  b.broadcast ? out.pack_true() : out.pack_false();
}

void pack_body(packer& out, const fragment_ended& b) {
  out.pack_map(2);
  pack_key(out, "outcome");
  out.pack_uint8(static_cast<std::uint8_t>(b.outcome));
  pack_key(out, "detail");
  pack_json(out, b.detail);
}

result<event_body> unpack_body(event_kind kind, const msgpack_reader& in) {
  switch (kind) {
    case event_kind::fragment_started: {
      DROVER_TRY(cached, in.strings("cached"));
      return event_body{fragment_started{std::move(cached)}};
    }
    case event_kind::node_started: {
      DROVER_TRY(node, in.string("node"));
      DROVER_TRY(display, in.string("display"));
      DROVER_TRY(parent, in.optional_string("parent"));
      DROVER_TRY(real, in.string("real"));
      return event_body{node_started{std::move(node), std::move(display),
                                     std::move(parent), std::move(real)}};
    }
    case event_kind::node_progress: {
      DROVER_TRY(node, in.string("node"));
      DROVER_TRY(value, in.number("value"));
      DROVER_TRY(max, in.number("max"));
      bool preview = false;
      if (in.find("preview") != nullptr) {
        DROVER_TRY(flag, in.boolean("preview"));
        preview = flag;
      }
      bool state_only = false;
      if (in.find("state_only") != nullptr) {
        DROVER_TRY(flag, in.boolean("state_only"));
        state_only = flag;
      }
      return event_body{node_progress{std::move(node), value, max, preview, state_only}};
    }
    case event_kind::node_output: {
      DROVER_TRY(node, in.string("node"));
      DROVER_TRY(display, in.string("display"));
      DROVER_TRY(ui, in.json_value("ui"));
      return event_body{node_output{std::move(node), std::move(display), std::move(ui)}};
    }
    case event_kind::node_finished: {
      DROVER_TRY(node, in.string("node"));
      return event_body{node_finished{std::move(node)}};
    }
    case event_kind::node_text: {
      DROVER_TRY(node, in.string("node"));
      DROVER_TRY(text, in.string("text"));
      return event_body{node_text{std::move(node), std::move(text)}};
    }
    case event_kind::node_preview: {
      DROVER_TRY(node, in.string("node"));
      DROVER_TRY(mime, in.string("mime"));
      DROVER_TRY(image, in.bytes("image"));
      return event_body{node_preview{std::move(node), std::move(mime), std::move(image)}};
    }
    case event_kind::custom_message: {
      DROVER_TRY(type, in.string("type"));
      DROVER_TRY(data, in.json_value("data"));
      DROVER_TRY(broadcast, in.boolean("broadcast"));
      return event_body{custom_message{std::move(type), std::move(data), broadcast}};
    }
    case event_kind::fragment_ended: {
      DROVER_TRY(outcome_code, in.unsigned_integer("outcome"));
      if (outcome_code > static_cast<std::uint64_t>(fragment_outcome::interrupted)) {
        return fail(errc::protocol, "unknown fragment outcome");
      }
      DROVER_TRY(detail, in.json_value("detail"));
      return event_body{
          fragment_ended{static_cast<fragment_outcome>(outcome_code), std::move(detail)}};
    }
  }
  return fail(errc::protocol, "unknown event kind");
}

result<std::uint64_t> as_unsigned(const msgpack::object& o, const char* what) {
  if (o.type != msgpack::type::POSITIVE_INTEGER) {
    return fail(errc::protocol,
                std::string{"event "} + what + " is not an unsigned integer");
  }
  return o.via.u64;
}

}  // namespace

std::string encode_event(const event& e) {
  msgpack::sbuffer buffer;
  packer out{buffer};
  out.pack_array(envelope_size);
  out.pack_uint64(schema_version);
  out.pack_uint8(static_cast<std::uint8_t>(e.kind()));
  pack_string(out, e.key.prompt_id);
  out.pack_uint32(e.key.fragment);
  out.pack_uint32(e.key.attempt);
  out.pack_uint64(e.seq);
  out.pack_int64(e.timestamp_ms);
  std::visit([&](const auto& body) { pack_body(out, body); }, e.body);
  return std::string{buffer.data(), buffer.size()};
}

result<event> decode_event(const char* data, std::size_t size) {
  msgpack::object_handle handle;
  try {
    handle = msgpack::unpack(data, size, nullptr, nullptr, peer_unpack_limit());
  } catch (const std::exception& ex) {
    return fail(errc::protocol, std::string{"undecodable event: "} + ex.what());
  }
  const auto& root = handle.get();
  if (root.type != msgpack::type::ARRAY || root.via.array.size != envelope_size) {
    return fail(errc::protocol, "event is not an 8-element array");
  }
  const auto* field = root.via.array.ptr;

  DROVER_TRY(version, as_unsigned(field[0], "version"));
  if (version != schema_version) {
    return fail(errc::protocol,
                "unsupported event schema version " + std::to_string(version));
  }
  DROVER_TRY(kind, as_unsigned(field[1], "kind"));
  if (kind < 1 || kind > static_cast<std::uint64_t>(event_kind::fragment_ended)) {
    return fail(errc::protocol, "unknown event kind " + std::to_string(kind));
  }
  if (field[2].type != msgpack::type::STR) {
    return fail(errc::protocol, "event prompt_id is not a string");
  }
  DROVER_TRY(fragment, as_unsigned(field[3], "fragment"));
  DROVER_TRY(attempt, as_unsigned(field[4], "attempt"));
  DROVER_TRY(seq, as_unsigned(field[5], "seq"));
  if (fragment > UINT32_MAX || attempt > UINT32_MAX) {
    return fail(errc::protocol, "event fragment or attempt out of range");
  }
  std::int64_t timestamp = 0;
  if (field[6].type == msgpack::type::POSITIVE_INTEGER && field[6].via.u64 <= INT64_MAX) {
    timestamp = static_cast<std::int64_t>(field[6].via.u64);
  } else if (field[6].type == msgpack::type::NEGATIVE_INTEGER) {
    timestamp = field[6].via.i64;
  } else {
    return fail(errc::protocol, "event timestamp is not an integer");
  }
  DROVER_TRY(body_reader, msgpack_reader::of(field[7]));
  DROVER_TRY(body, unpack_body(static_cast<event_kind>(kind), body_reader));

  event e;
  e.key.prompt_id.assign(field[2].via.str.ptr, field[2].via.str.size);
  e.key.fragment = static_cast<std::uint32_t>(fragment);
  e.key.attempt = static_cast<std::uint32_t>(attempt);
  e.seq = seq;
  e.timestamp_ms = timestamp;
  e.body = std::move(body);
  return e;
}

}  // namespace drover::actors
