#include "worker/tensor.hpp"

#include <atomic>

#include "worker/tensor_buffers.hpp"

namespace drover::worker {

namespace {
std::atomic<std::size_t> budget_bytes{std::size_t{8} << 30};
}  // namespace

void tensor::free_values::operator()(float* values) const noexcept {
  release_tensor_buffer(values);
}

void set_tensor_budget(std::size_t bytes) {
  budget_bytes = bytes;
}
std::size_t tensor_budget() {
  return budget_bytes;
}

actors::result<std::shared_ptr<tensor>> tensor::allocate(
    std::vector<std::int64_t> shape) {
  if (shape.empty()) {
    return actors::fail(actors::errc::internal, "tensor shape is empty");
  }
  const std::size_t limit = budget_bytes / sizeof(float);
  std::size_t size = 1;
  for (auto d : shape) {
    if (d <= 0) {
      return actors::fail(actors::errc::invalid_input,
                          "tensor dimension must be positive");
    }
    if (size > limit / static_cast<std::size_t>(d)) {
      return actors::fail(
          actors::errc::execution,
          "Allocation on device: tensor exceeds the worker's memory budget");
    }
    size *= static_cast<std::size_t>(d);
  }
  values_ptr values{static_cast<float*>(acquire_tensor_buffer(size * sizeof(float)))};
  if (!values) {
    return actors::fail(actors::errc::execution, "Allocation on device: out of memory");
  }
  return std::shared_ptr<tensor>{new tensor{std::move(shape), size, std::move(values)}};
}

std::string tensor::shape_string() const {
  std::string out = "[";
  for (std::size_t i = 0; i < shape_.size(); ++i) {
    if (i > 0) {
      out += ", ";
    }
    out += std::to_string(shape_[i]);
  }
  return out + "]";
}

}  // namespace drover::worker
