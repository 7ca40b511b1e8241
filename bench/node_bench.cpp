// Times native image nodes on a 2048x2048 RGB image, as a worker runs them:
// through the registry, one call per run, best of `runs`.
//   drover_node_bench [runs]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "worker/attempt_environment.hpp"
#include "worker/core_nodes.hpp"
#include "worker/event_sink.hpp"
#include "worker/file_sink.hpp"
#include "worker/node_call.hpp"

namespace {

using namespace drover::worker;
using drover::json;

/// The nodes benchmarked publish nothing and write no files.
class null_sink final : public event_sink, public file_sink {
 public:
  std::uint64_t publish(const drover::actors::attempt_key&,
                        drover::actors::event_body) override {
    return 0;
  }
  drover::actors::result<std::uint64_t> reserve(const drover::actors::store_file&,
                                                std::string_view,
                                                std::uint32_t) override {
    return std::uint64_t{1};
  }
  drover::actors::result<void> put(const drover::actors::store_file&,
                                   std::string_view) override {
    return drover::actors::ok();
  }
};

tensor_ptr test_image(std::int64_t side) {
  auto t = tensor::allocate({1, side, side, 3}).value();
  float* v = t->data();
  for (std::size_t i = 0; i < t->size(); ++i) {
    v[i] = static_cast<float>((i * 2654435761u) % 1000) / 999.0f;
  }
  return t;
}

double best_ms(node_registry& registry, node_environment& env, const char* cls,
               const node_call::input_list& inputs, int runs) {
  const auto* definition = registry.find(cls);
  if (definition == nullptr) {
    std::fprintf(stderr, "no class %s\n", cls);
    std::exit(1);
  }
  double best = 1e300;
  for (int i = 0; i < runs; ++i) {
    node_call call{*definition, "1", inputs, env};
    auto start = std::chrono::steady_clock::now();
    auto out = definition->run(call);
    auto end = std::chrono::steady_clock::now();
    if (!out.has_value()) {
      std::fprintf(stderr, "%s failed: %s\n", cls, out.error().message.c_str());
      std::exit(1);
    }
    best = std::min(best, std::chrono::duration<double, std::milli>(end - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  node_registry registry;
  if (!register_core_nodes(registry)) {
    std::fprintf(stderr, "node registration failed\n");
    return 1;
  }
  null_sink sink;
  std::atomic<bool> interrupt{false};
  json prompt = json::object();
  attempt_environment env{{"bench", 0, 0}, prompt, nullptr, sink, sink, interrupt};
  auto image = test_image(2048);

  struct bench_case {
    const char* label;
    const char* cls;
    node_call::input_list inputs;
  };
  auto scale_to = [&](const char* method) {
    return node_call::input_list{{"image", image},
                                 {"upscale_method", json(method)},
                                 {"width", json(4096)},
                                 {"height", json(4096)},
                                 {"crop", json("disabled")}};
  };
  const bench_case cases[] = {
      {"ImageBlur radius 5 sigma 1",
       "ImageBlur",
       {{"image", image}, {"blur_radius", json(5)}, {"sigma", json(1.0)}}},
      {"ImageBlur radius 31 sigma 10",
       "ImageBlur",
       {{"image", image}, {"blur_radius", json(31)}, {"sigma", json(10.0)}}},
      {"ImageSharpen radius 3",
       "ImageSharpen",
       {{"image", image},
        {"sharpen_radius", json(3)},
        {"sigma", json(1.0)},
        {"alpha", json(1.0)}}},
      {"ImageScale 4096 bicubic", "ImageScale", scale_to("bicubic")},
      {"ImageScale 4096 lanczos", "ImageScale", scale_to("lanczos")},
      {"ImageInvert", "ImageInvert", {{"image", image}}},
  };
  std::printf("2048x2048x3 float32 input, best of %d runs, one thread\n", runs);
  for (const auto& c : cases) {
    std::printf("%-30s %9.1f ms\n", c.label,
                best_ms(registry, env, c.cls, c.inputs, runs));
  }
  return 0;
}
