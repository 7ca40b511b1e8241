#include "worker/safetensors.hpp"

#include <algorithm>
#include <cstring>

#include "actors/json.hpp"

namespace drover::worker {

namespace {

std::size_t element_count(const std::vector<std::int64_t>& shape) {
  std::size_t n = 1;
  for (auto d : shape) {
    n *= static_cast<std::size_t>(d);
  }
  return n;
}

void put_u64_le(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    out += static_cast<char>((v >> (8 * i)) & 0xFF);
  }
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF, bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    exponent = 113;
    while ((mantissa & 0x400) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3FF) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace

std::string encode_safetensors(std::vector<safetensors_entry> entries,
                               const std::map<std::string, std::string>& metadata) {
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  json header = json::object();
  if (!metadata.empty()) {
    header["__metadata__"] = metadata;
  }
  std::size_t offset = 0;
  for (const auto& e : entries) {
    const auto bytes = element_count(e.shape) * sizeof(float);
    header[e.name] = {
        {"dtype", "F32"}, {"shape", e.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(8 + text.size() + offset);
  put_u64_le(out, text.size());
  out += text;
  for (const auto& e : entries) {
    // Little-endian hosts only, as drover's tensors are native float32.
    const auto bytes = element_count(e.shape) * sizeof(float);
    if (bytes > 0) {
      out.append(reinterpret_cast<const char*>(e.values), bytes);
    }
  }
  return out;
}

actors::result<safetensors_file> decode_safetensors(std::string_view bytes) {
  auto bad = [](const std::string& why) {
    return actors::fail(actors::errc::invalid_input, "invalid safetensors file: " + why);
  };
  if (bytes.size() < 8) {
    return bad("shorter than its header length");
  }
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) {
    length = (length << 8) | static_cast<unsigned char>(bytes[i]);
  }
  if (length > bytes.size() - 8) {
    return bad("header length past the end of the file");
  }
  auto header = json::parse(bytes.substr(8, length), nullptr, false);
  if (!header.is_object()) {
    return bad("header is not a JSON object");
  }
  const auto data = bytes.substr(8 + length);

  safetensors_file file;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      for (const auto& [key, value] : entry.items()) {
        if (value.is_string()) {
          file.metadata[key] = value.get<std::string>();
        }
      }
      continue;
    }
    const auto* dtype =
        entry.is_object() && entry.contains("dtype") ? &entry["dtype"] : nullptr;
    const auto* shape = dtype ? &entry["shape"] : nullptr;
    const auto* offsets = dtype ? &entry["data_offsets"] : nullptr;
    if (!dtype || !dtype->is_string() || !shape->is_array() || !offsets->is_array() ||
        offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
        !(*offsets)[1].is_number_unsigned()) {
      return bad("malformed entry " + name);
    }
    safetensors_tensor t;
    t.dtype = dtype->get<std::string>();
    for (const auto& d : *shape) {
      if (!d.is_number_unsigned() || d.get<std::uint64_t>() > (1ull << 40)) {
        return bad("bad shape of " + name);
      }
      t.shape.push_back(d.get<std::int64_t>());
    }
    const auto begin = (*offsets)[0].get<std::uint64_t>();
    const auto end = (*offsets)[1].get<std::uint64_t>();
    if (begin > end || end > data.size()) {
      return bad("data of " + name + " lies outside the file");
    }
    t.bytes = data.substr(begin, end - begin);
    file.tensors[name] = std::move(t);
  }
  return file;
}

actors::result<tensor_ptr> to_float_tensor(const safetensors_tensor& t) {
  const std::size_t width = t.dtype == "F32"                          ? 4
                            : (t.dtype == "F16" || t.dtype == "BF16") ? 2
                                                                      : 0;
  if (width == 0) {
    return actors::fail(actors::errc::invalid_input,
                        "unsupported safetensors dtype " + t.dtype);
  }
  if (t.shape.empty() || t.bytes.size() != element_count(t.shape) * width) {
    return actors::fail(actors::errc::invalid_input,
                        "safetensors data size does not match its shape");
  }
  DROVER_TRY(out, tensor::allocate(t.shape));
  float* dst = out->data();
  for (std::size_t i = 0; i < out->size(); ++i) {
    const char* at = t.bytes.data() + i * width;
    if (width == 4) {
      std::memcpy(dst + i, at, 4);
      continue;
    }
    std::uint16_t h;
    std::memcpy(&h, at, 2);
    if (t.dtype == "F16") {
      dst[i] = half_to_float(h);
    } else {
      const std::uint32_t bits = std::uint32_t{h} << 16;
      std::memcpy(dst + i, &bits, 4);
    }
  }
  return tensor_ptr{std::move(out)};
}

}  // namespace drover::worker
