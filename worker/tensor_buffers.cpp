#include "worker/tensor_buffers.hpp"

#include <cstdlib>
#include <deque>
#include <mutex>
#include <new>
#include <sys/mman.h>
#include <unordered_map>
#include <utility>

namespace drover::worker {

namespace {

constexpr std::size_t huge_page_bytes = std::size_t{2} << 20;
constexpr std::size_t large_bytes = 2 * huge_page_bytes;

void* fresh_large_buffer(std::size_t rounded) {
  void* buffer = std::aligned_alloc(huge_page_bytes, rounded);
#ifdef MADV_HUGEPAGE
  if (buffer != nullptr) {
    // Advice only: where the kernel declines, the buffer keeps small pages.
    (void)madvise(buffer, rounded, MADV_HUGEPAGE);
  }
#endif
  return buffer;
}

/// Large buffers: the sizes of those in use, and the freed ones kept,
/// oldest first.
class buffer_cache {
 public:
  /// The smallest kept buffer of bytes .. bytes * 5 / 4, or a fresh one.
  void* take(std::size_t bytes) {
    if (void* kept = take_kept(bytes)) {
      return kept;
    }
    void* buffer = fresh_large_buffer(bytes);
    if (buffer != nullptr && !remember(buffer, bytes)) {
      std::free(buffer);
      return nullptr;
    }
    return buffer;
  }

  /// Keeps or frees `buffer` if it is a large one in use; false otherwise.
  bool give(void* buffer) noexcept {
    std::lock_guard<std::mutex> lock{mutex_};
    auto it = in_use_.find(buffer);
    if (it == in_use_.end()) {
      return false;
    }
    const std::size_t capacity = it->second;
    in_use_.erase(it);
    if (capacity > limit_) {
      std::free(buffer);
      return true;
    }
    try {
      held_.emplace_back(capacity, buffer);
    } catch (const std::bad_alloc&) {
      // No room to remember it: released instead of kept.
      std::free(buffer);
      return true;
    }
    held_bytes_ += capacity;
    trim();
    return true;
  }

  void set_limit(std::size_t bytes) {
    std::lock_guard<std::mutex> lock{mutex_};
    limit_ = bytes;
    trim();
  }

  std::size_t held() {
    std::lock_guard<std::mutex> lock{mutex_};
    return held_bytes_;
  }

 private:
  /// Records a buffer handed out; false when there is no memory to.
  bool remember(void* buffer, std::size_t capacity) {
    std::lock_guard<std::mutex> lock{mutex_};
    try {
      in_use_.emplace(buffer, capacity);
      return true;
    } catch (const std::bad_alloc&) {
      return false;
    }
  }

  void* take_kept(std::size_t bytes) {
    std::lock_guard<std::mutex> lock{mutex_};
    auto best = held_.end();
    for (auto it = held_.begin(); it != held_.end(); ++it) {
      const bool fits = it->first >= bytes && it->first <= bytes + bytes / 4;
      if (fits && (best == held_.end() || it->first < best->first)) {
        best = it;
      }
    }
    if (best == held_.end()) {
      return nullptr;
    }
    // Without memory to record it, the buffer goes and take tries afresh.
    void* buffer = best->second;
    const std::size_t capacity = best->first;
    held_bytes_ -= capacity;
    held_.erase(best);
    try {
      in_use_.emplace(buffer, capacity);
    } catch (const std::bad_alloc&) {
      std::free(buffer);
      return nullptr;
    }
    return buffer;
  }

  void trim() noexcept {
    while (held_bytes_ > limit_) {
      std::free(held_.front().second);
      held_bytes_ -= held_.front().first;
      held_.pop_front();
    }
  }

  std::mutex mutex_;
  std::unordered_map<void*, std::size_t> in_use_;
  std::deque<std::pair<std::size_t, void*>> held_;
  std::size_t held_bytes_ = 0;
  std::size_t limit_ = std::size_t{1} << 30;
};

// Never destroyed: tensors in other static objects may be freed after it.
buffer_cache& cache() {
  static auto* instance = new buffer_cache;
  return *instance;
}

}  // namespace

void* acquire_tensor_buffer(std::size_t bytes) {
  if (bytes < large_bytes) {
    return std::malloc(bytes);
  }
  return cache().take((bytes + huge_page_bytes - 1) / huge_page_bytes * huge_page_bytes);
}

void release_tensor_buffer(void* buffer) noexcept {
  if (buffer != nullptr && !cache().give(buffer)) {
    std::free(buffer);
  }
}

void set_tensor_cache_limit(std::size_t bytes) {
  cache().set_limit(bytes);
}

std::size_t tensor_cache_held() {
  return cache().held();
}

}  // namespace drover::worker
