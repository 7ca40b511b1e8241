// Tensor value buffers: large ones freed by a tensor are reused by the next
// tensor of about their size, within the cache's limit.

#include "worker/tensor_buffers.hpp"

#include <doctest/doctest.h>

#include "worker/tensor.hpp"

namespace drover::worker {
namespace {

/// 2048 x 2048 x 3 floats: 48 MiB, a large buffer.
constexpr std::int64_t side = 2048;

/// Restores the default limit when a test ends.
struct cache_limit_guard {
  ~cache_limit_guard() { set_tensor_cache_limit(std::size_t{1} << 30); }
};

TEST_CASE("a freed large tensor's buffer is reused by the next tensor of its size") {
  cache_limit_guard guard;
  set_tensor_cache_limit(0);
  set_tensor_cache_limit(std::size_t{1} << 30);
  const float* first = nullptr;
  {
    auto t = tensor::allocate({1, side, side, 3}).value();
    first = t->data();
    t->data()[t->size() - 1] = 0.5f;
  }
  CHECK(tensor_cache_held() >= std::size_t{48} << 20);
  auto again = tensor::allocate({1, side, side, 3}).value();
  CHECK(again->data() == first);
  CHECK(tensor_cache_held() == 0);
}

TEST_CASE("a kept buffer serves a slightly smaller tensor but not a much smaller one") {
  cache_limit_guard guard;
  set_tensor_cache_limit(0);
  set_tensor_cache_limit(std::size_t{1} << 30);
  const float* first = nullptr;
  {
    auto t = tensor::allocate({1, side, side, 3}).value();
    first = t->data();
  }
  auto half = tensor::allocate({1, side / 2, side, 3}).value();
  CHECK(half->data() != first);
  auto most = tensor::allocate({1, side - 100, side, 3}).value();
  CHECK(most->data() == first);
}

TEST_CASE("with a zero cache limit freed buffers are released, not kept") {
  cache_limit_guard guard;
  set_tensor_cache_limit(0);
  { auto t = tensor::allocate({1, side, side, 3}).value(); }
  CHECK(tensor_cache_held() == 0);
}

TEST_CASE("small tensors never enter the cache") {
  cache_limit_guard guard;
  set_tensor_cache_limit(0);
  set_tensor_cache_limit(std::size_t{1} << 30);
  { auto t = tensor::allocate({1, 64, 64, 3}).value(); }
  CHECK(tensor_cache_held() == 0);
}

TEST_CASE("the cache drops its oldest buffers to stay within its limit") {
  cache_limit_guard guard;
  set_tensor_cache_limit(0);
  set_tensor_cache_limit(std::size_t{100} << 20);
  {
    auto a = tensor::allocate({1, side, side, 3}).value();
    auto b = tensor::allocate({1, side, side, 3}).value();
    auto c = tensor::allocate({1, side, side, 3}).value();
  }
  CHECK(tensor_cache_held() == std::size_t{96} << 20);
}

}  // namespace
}  // namespace drover::worker
