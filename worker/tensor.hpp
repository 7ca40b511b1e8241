#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/result.hpp"

namespace drover::worker {

/// A dense float32 tensor in row-major order, as ComfyUI lays out its data:
/// IMAGE is [batch, height, width, channel] in 0..1, MASK is
/// [batch, height, width]. Values are shared read-only between nodes once
/// produced (`tensor_ptr`); a node writes only tensors it has just made.
class tensor {
 public:
  /// Allocates a tensor of `shape` with unspecified contents (no zeroing: a
  /// node writes every value; a large tensor may reuse the buffer of one
  /// freed before, see tensor_buffers.hpp). Fails with errc::execution
  /// (reported as ComfyUI's out-of-memory error) when the shape is empty, has
  /// a non-positive dimension, or exceeds the worker's tensor budget
  /// (`set_tensor_budget`), instead of taking the process down.
  static actors::result<std::shared_ptr<tensor>> allocate(
      std::vector<std::int64_t> shape);

  const std::vector<std::int64_t>& shape() const { return shape_; }
  std::int64_t dim(std::size_t axis) const { return shape_[axis]; }
  std::size_t rank() const { return shape_.size(); }
  std::size_t size() const { return size_; }

  float* data() { return values_.get(); }
  const float* data() const { return values_.get(); }

  /// "[1, 64, 64, 3]", for error reports.
  std::string shape_string() const;

 private:
  /// Hands values obtained by allocate back to release_tensor_buffer.
  /// Stateless, so that `values_` is one pointer as node packs expect.
  struct free_values {
    void operator()(float* values) const noexcept;
  };
  using values_ptr = std::unique_ptr<float[], free_values>;

  tensor(std::vector<std::int64_t> shape, std::size_t size, values_ptr values)
      : shape_(std::move(shape)), size_(size), values_(std::move(values)) {}

  std::vector<std::int64_t> shape_;
  std::size_t size_;
  values_ptr values_;
};

using tensor_ptr = std::shared_ptr<const tensor>;

/// The largest single tensor a node may allocate, in bytes. Default: 8 GiB.
/// Set once at worker start-up.
void set_tensor_budget(std::size_t bytes);
std::size_t tensor_budget();

}  // namespace drover::worker
