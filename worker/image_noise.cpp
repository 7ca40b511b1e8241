#include "worker/image_noise.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "worker/comfy_v3.hpp"
#include "worker/input_options.hpp"
#include "worker/node_call.hpp"

namespace drover::worker {

namespace {

namespace opt = input_options;

// torch's uniform_real for float: the low 24 bits of one 32-bit draw.
float uniform_float(std::mt19937& engine) {
  return static_cast<float>(engine() & 0xFFFFFFu) * (1.0f / 16777216.0f);
}

// For double: the low 53 bits of two draws, the first as the high word.
double uniform_double(std::mt19937& engine) {
  std::uint64_t hi = engine(), lo = engine();
  std::uint64_t bits = (hi << 32) | lo;
  return static_cast<double>(bits & ((1ull << 53) - 1)) * (1.0 / 9007199254740992.0);
}

void box_muller_16(float* data) {
  const float two_pi = 2.0f * 3.14159265358979323846f;
  for (int j = 0; j < 8; ++j) {
    const float u1 = 1.0f - data[j];
    const float u2 = data[j + 8];
    const float radius = std::sqrt(-2.0f * std::log(u1));
    const float theta = two_pi * u2;
    data[j] = radius * std::cos(theta);
    data[j + 8] = radius * std::sin(theta);
  }
}

void small_randn(std::mt19937& engine, float* out, std::size_t count) {
  bool cached = false;
  double next = 0.0;
  for (std::size_t i = 0; i < count; ++i) {
    if (cached) {
      cached = false;
      out[i] = static_cast<float>(next);
      continue;
    }
    const double u1 = uniform_double(engine);
    const double u2 = uniform_double(engine);
    const double r = std::sqrt(-2.0 * std::log1p(-u2));
    const double theta = 2.0 * 3.14159265358979323846 * u1;
    next = r * std::sin(theta);
    cached = true;
    out[i] = static_cast<float>(r * std::cos(theta));
  }
}

/// The seed, which may exceed int64 (ComfyUI allows up to 2^64 - 1).
actors::result<std::uint64_t> seed_of(const node_call& call) {
  for (const auto& [name, value] : call.inputs()) {
    const json* j = std::get_if<json>(&value);
    if (name == "seed" && j != nullptr && j->is_number_unsigned()) {
      return j->get<std::uint64_t>();
    }
  }
  DROVER_TRY(seed, call.integer("seed"));
  if (seed < 0) {
    return actors::fail(actors::errc::invalid_input, "seed must be >= 0");
  }
  return static_cast<std::uint64_t>(seed);
}

node_outcome add_noise(node_call& call) {
  DROVER_TRY(image, call.tensor_input("image"));
  DROVER_TRY(seed, seed_of(call));
  DROVER_TRY(strength, call.number("strength"));
  auto noise = torch_randn(seed, image->size());
  DROVER_TRY(out, tensor::allocate(image->shape()));
  const auto s = static_cast<float>(strength);
  for (std::size_t i = 0; i < image->size(); ++i) {
    out->data()[i] = std::clamp(image->data()[i] + s * noise[i], 0.0f, 1.0f);
  }
  return node_result{{tensor_ptr{std::move(out)}}, nullptr};
}

node_definition add_noise_definition() {
  node_definition d;
  d.class_type = "ImageAddNoise";
  d.category = "image";
  d.python_module = "comfy_extras.nodes_images";
  d.required("image", "IMAGE", opt::none())
      .required("seed", "INT",
                {{"default", 0},
                 {"min", 0},
                 {"max", 18446744073709551615ull},
                 {"control_after_generate", true}})
      .required("strength", "FLOAT", opt::number(0.5, 0.0, 1.0, 0.01))
      .output("IMAGE");
  d.run = add_noise;
  mark_v3(d);
  return d;
}

}  // namespace

std::vector<float> torch_randn(std::uint64_t seed, std::size_t count) {
  std::mt19937 engine{static_cast<std::uint32_t>(seed & 0xFFFFFFFFu)};
  std::vector<float> out(count);
  if (count < 16) {
    small_randn(engine, out.data(), count);
    return out;
  }
  for (auto& v : out) {
    v = uniform_float(engine);
  }
  for (std::size_t i = 0; i + 16 <= count; i += 16) {
    box_muller_16(out.data() + i);
  }
  if (count % 16 != 0) {
    float* tail = out.data() + count - 16;
    for (int i = 0; i < 16; ++i) {
      tail[i] = uniform_float(engine);
    }
    box_muller_16(tail);
  }
  return out;
}

actors::result<void> register_noise_nodes(node_registry& registry) {
  return registry.add(add_noise_definition());
}

}  // namespace drover::worker
