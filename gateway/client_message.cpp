#include "gateway/client_message.hpp"

namespace drover::gateway {

namespace {

void append_u32(std::string& out, std::uint32_t value) {
  out += static_cast<char>((value >> 24) & 0xff);
  out += static_cast<char>((value >> 16) & 0xff);
  out += static_cast<char>((value >> 8) & 0xff);
  out += static_cast<char>(value & 0xff);
}

}  // namespace

std::string dump_json(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

client_message text_message(std::optional<std::string> client_id, std::string_view type,
                            const json& data) {
  return text_message_of(std::move(client_id), type, dump_json(data));
}

client_message text_message_of(std::optional<std::string> client_id,
                               std::string_view type, std::string_view data_text) {
  // The same bytes as dumping {"type": type, "data": data}, without copying
  // `data` into a new document first.
  auto type_text = dump_json(json(type));
  client_message out;
  out.client_id = std::move(client_id);
  out.payload.reserve(data_text.size() + type_text.size() + 18);
  out.payload.append(R"({"type":)").append(type_text);
  out.payload.append(R"(,"data":)").append(data_text).append("}");
  return out;
}

json status_data(std::uint64_t queue_remaining) {
  json data = json::object();
  data["status"]["exec_info"]["queue_remaining"] = queue_remaining;
  return data;
}

std::string encode_text_frame(std::string_view node_id, std::string_view text) {
  std::string out;
  out.reserve(8 + node_id.size() + text.size());
  append_u32(out, 3);
  append_u32(out, static_cast<std::uint32_t>(node_id.size()));
  out.append(node_id);
  out.append(text);
  return out;
}

std::string encode_preview_frame(std::string_view mime, std::string_view image) {
  std::string out;
  out.reserve(8 + image.size());
  append_u32(out, 1);
  append_u32(out, mime == "image/png" ? 2 : 1);
  out.append(image);
  return out;
}

std::string encode_preview_with_metadata(const json& metadata, std::string_view image) {
  auto text = metadata.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(8 + text.size() + image.size());
  append_u32(out, 4);
  append_u32(out, static_cast<std::uint32_t>(text.size()));
  out.append(text);
  out.append(image);
  return out;
}

}  // namespace drover::gateway
