// Times native image nodes on a 2048x2048 RGB image, as a worker runs them:
// through the registry, one call per run, `runs` runs each (PNG saving is no
// part of it). Prints the times and writes them as the fragment
// <parts>/nodes.json (median, min, max and every run). A third argument runs
// only the cases whose key contains it (for profiling one kernel).
//   drover_node_bench [runs] [parts folder] [key part]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/farm_bench_fragment.hpp"
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

/// The milliseconds of each of `runs` calls of `cls`.
std::vector<double> run_ms(node_registry& registry, node_environment& env,
                           const char* cls, const node_call::input_list& inputs,
                           int runs) {
  const auto* definition = registry.find(cls);
  if (definition == nullptr) {
    std::fprintf(stderr, "no class %s\n", cls);
    std::exit(1);
  }
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    node_call call{*definition, "1", inputs, env};
    auto start = std::chrono::steady_clock::now();
    auto out = definition->run(call);
    auto end = std::chrono::steady_clock::now();
    if (!out.has_value()) {
      std::fprintf(stderr, "%s failed: %s\n", cls, out.error().message.c_str());
      std::exit(1);
    }
    times.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  return times;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const std::string parts =
      argc > 2 ? argv[2] : std::string{DROVER_SOURCE_DIR} + "/bench/results/parts";
  const std::string only = argc > 3 ? argv[3] : "";
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
    const char* key;
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
      {"node_ms_ImageBlur_r5",
       "ImageBlur radius 5 sigma 1",
       "ImageBlur",
       {{"image", image}, {"blur_radius", json(5)}, {"sigma", json(1.0)}}},
      {"node_ms_ImageBlur_r31",
       "ImageBlur radius 31 sigma 10",
       "ImageBlur",
       {{"image", image}, {"blur_radius", json(31)}, {"sigma", json(10.0)}}},
      {"node_ms_ImageSharpen_r3",
       "ImageSharpen radius 3",
       "ImageSharpen",
       {{"image", image},
        {"sharpen_radius", json(3)},
        {"sigma", json(1.0)},
        {"alpha", json(1.0)}}},
      {"node_ms_ImageScale_bicubic_4096", "ImageScale 4096 bicubic", "ImageScale",
       scale_to("bicubic")},
      {"node_ms_ImageScale_lanczos_4096", "ImageScale 4096 lanczos", "ImageScale",
       scale_to("lanczos")},
      {"node_ms_ImageInvert", "ImageInvert", "ImageInvert", {{"image", image}}},
      {"node_ms_ImageQuantize_256_fs",
       "ImageQuantize 256 colours floyd-steinberg",
       "ImageQuantize",
       {{"image", image}, {"colors", json(256)}, {"dither", json("floyd-steinberg")}}},
  };
  std::printf("2048x2048x3 float32 input, median of %d runs, one thread\n", runs);
  drover::bench::fragment out{"nodes"};
  for (const auto& c : cases) {
    if (std::string{c.key}.find(only) == std::string::npos) {
      continue;
    }
    const auto times = run_ms(registry, env, c.cls, c.inputs, runs);
    std::printf("%-30s %9.1f ms\n", c.label, drover::bench::median(times));
    out.add(c.key, {times, "ms",
                    std::string{c.label} +
                        " on 2048x2048x3 float32, one node call in the worker's "
                        "registry, one thread, PNG saving apart"});
  }
  out.note("node_ms_* have no comfyui_ twin: pixels are not compared with ComfyUI here");
  auto written = out.write(parts);
  if (!written.has_value()) {
    std::fprintf(stderr, "%s\n", drover::actors::describe(written.error()).c_str());
    return 1;
  }
  std::printf("wrote %s\n", written.value().c_str());
  return 0;
}
