#pragma once

#include <cstdint>
#include <vector>

#include "actors/result.hpp"
#include "worker/node_registry.hpp"

namespace drover::worker {

/// `count` standard normal floats as `torch.randn(count, generator=
/// torch.manual_seed(seed))` draws them on the CPU: a mt19937 seeded with the
/// low 32 bits of `seed`; for 16 values or more, 24-bit uniforms turned
/// into normals by Box-Muller in blocks of 16 (the last block redrawn when
/// `count` is not a multiple of 16), as torch's AVX2 normal_fill does; below
/// 16, torch's double Box-Muller on 53-bit uniforms with its cached second
/// sample. torch's AVX2 path takes log, sin and cos from Sleef (1 ulp); this
/// uses the C library's, so a value may differ from torch's in its last bit.
std::vector<float> torch_randn(std::uint64_t seed, std::size_t count);

/// Registers ComfyUI's ImageAddNoise (comfy_extras/nodes_images.py):
/// clamp(image + strength * randn(image.shape, seed), 0, 1).
actors::result<void> register_noise_nodes(node_registry& registry);

}  // namespace drover::worker
