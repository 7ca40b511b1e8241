#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "actors/result.hpp"
#include "worker/tensor.hpp"

namespace drover::worker {

/// One float32 tensor to write. `shape` may hold a zero dimension (an empty
/// tensor, which drover's `tensor` cannot be); `values` then may be null.
struct safetensors_entry {
  std::string name;
  std::vector<std::int64_t> shape;
  const float* values = nullptr;
};

/// The safetensors file format (8-byte little-endian header length, a JSON
/// header, then the raw little-endian data) as the Python `safetensors` package
/// writes it: entries in name order, compact JSON with `__metadata__` first,
/// the header padded with spaces to a multiple of 8.
std::string encode_safetensors(std::vector<safetensors_entry> entries,
                               const std::map<std::string, std::string>& metadata);

/// A tensor read back from a safetensors file.
struct safetensors_tensor {
  std::string dtype;  ///< "F32", "F16", ...
  std::vector<std::int64_t> shape;
  std::string_view bytes;  ///< views the decoded buffer
};

/// A parsed safetensors file. Views `bytes`, which must outlive it.
struct safetensors_file {
  std::map<std::string, std::string> metadata;
  std::map<std::string, safetensors_tensor> tensors;
};

/// Parses `bytes`. Fails with errc::invalid_input, never crashing, for a
/// truncated file, a header that is not JSON, or offsets outside the data.
actors::result<safetensors_file> decode_safetensors(std::string_view bytes);

/// `t` as a float32 tensor; F32, F16 and BF16 convert, other dtypes and empty
/// tensors fail with errc::invalid_input.
actors::result<tensor_ptr> to_float_tensor(const safetensors_tensor& t);

}  // namespace drover::worker
