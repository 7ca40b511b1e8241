#pragma once

#include <cstddef>

namespace drover::worker {

// Value buffers of tensors. A large buffer (4 MiB or more) sits on 2 MiB
// boundaries, advised into transparent huge pages, and when freed is kept
// for the next tensor of about its size: on first touch the kernel zeroes
// every page of a fresh buffer (slowly where the machine is a VM whose host
// backs memory lazily), which costs more than most image nodes' own work.
// Thread-safe: nodes on several threads allocate and free at once.

/// Uninitialised room for `bytes` (> 0), or null when memory is short. A
/// kept buffer may be up to a quarter larger than asked.
void* acquire_tensor_buffer(std::size_t bytes);

/// Frees a buffer from acquire_tensor_buffer (null does nothing), or keeps
/// it for reuse while the cache holds less than its limit (then the oldest
/// kept buffers go). The cache remembers each large buffer's size, so that
/// `tensor` holds a plain pointer and keeps the layout node packs compiled.
void release_tensor_buffer(void* buffer) noexcept;

/// The most bytes of freed buffers kept for reuse; 0 keeps none. Default
/// 1 GiB. Lowering it frees buffers at once.
void set_tensor_cache_limit(std::size_t bytes);

/// Bytes of freed buffers held now.
std::size_t tensor_cache_held();

}  // namespace drover::worker
