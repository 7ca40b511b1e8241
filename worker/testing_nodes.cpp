#include "worker/testing_nodes.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>
#include <signal.h>
#include <thread>
#include <unistd.h>

#include "actors/log.hpp"
#include "worker/node_call.hpp"

namespace drover::worker {

namespace {

constexpr const char* any_type = "*";
constexpr const char* testing_category = "_for_testing";
constexpr const char* stub_category = "Testing/Stub Nodes";

/// The `value` input passed through unchanged, as the testing nodes do.
actors::result<node_value> pass_through(const node_call& call) {
  for (const auto& [name, value] : call.inputs()) {
    if (name == "value") {
      return value;
    }
  }
  return actors::error{actors::errc::invalid_input, "required input 'value' is missing"};
}

/// Holds the calling thread for `seconds / speed`, reporting progress every
/// tick in the node's own seconds (ComfyUI's ProgressBar(seconds)) and giving
/// up with an interrupt failure at the first tick after an interrupt.
actors::result<void> hold(node_call& call, double seconds, double speed) {
  using clock = std::chrono::steady_clock;
  constexpr auto tick = std::chrono::milliseconds{10};
  auto& env = call.environment();
  auto start = clock::now();
  auto real = std::chrono::duration<double>{seconds / speed};
  auto expiration = start + std::chrono::duration_cast<clock::duration>(real);
  for (auto now = start; now < expiration; now = clock::now()) {
    if (env.interrupted()) {
      return actors::error{actors::errc::interrupted, "interrupted"};
    }
    double simulated = std::chrono::duration<double>(now - start).count() * speed;
    env.progress(call.node_id(), std::min(simulated, seconds), seconds);
    std::this_thread::sleep_for(std::min<clock::duration>(tick, expiration - now));
  }
  env.progress(call.node_id(), seconds, seconds);
  if (env.interrupted()) {
    return actors::error{actors::errc::interrupted, "interrupted"};
  }
  return actors::ok();
}

/// A duration input: finite and not negative, or a ValueError naming it.
actors::result<double> seconds_input(const node_call& call, std::string_view name) {
  DROVER_TRY(seconds, call.number(name));
  if (!std::isfinite(seconds) || seconds < 0) {
    return actors::error{actors::errc::invalid_input,
                         std::string{name} + " must be a finite number of seconds >= 0"};
  }
  return seconds;
}

node_outcome interrupt_or(const actors::error& e) {
  if (e.code == actors::errc::interrupted) {
    return node_failure{node_failure::interrupt_type, "interrupted"};
  }
  return node_failure{e};
}

node_function waiting_node(std::string seconds_name, double speed) {
  return [seconds_name, speed](node_call& call) -> node_outcome {
    DROVER_TRY(value, pass_through(call));
    DROVER_TRY(seconds, seconds_input(call, seconds_name));
    if (auto held = hold(call, seconds, speed); !held) {
      return interrupt_or(held.error());
    }
    return node_result{{std::move(value)}, nullptr};
  };
}

json seconds_options(const char* tooltip) {
  return {{"default", 1.0},
          {"min", 0.0},
          {"max", 9999.0},
          {"step", 0.01},
          {"tooltip", tooltip}};
}

node_definition sleep_definition(double speed) {
  node_definition d;
  d.class_type = "TestSleep";
  d.category = testing_category;
  d.python_module = "custom_nodes.testing-pack";
  d.required("value", any_type)
      .required("seconds", "FLOAT", seconds_options("The amount of seconds to sleep."))
      .hidden("unique_id", "UNIQUE_ID")
      .output(any_type);
  d.is_async = true;
  d.run = waiting_node("seconds", speed);
  return d;
}

node_definition sync_progress_definition(double speed) {
  node_definition d;
  d.class_type = "TestSyncProgressUpdate";
  d.category = "_for_testing/async";
  d.python_module = "custom_nodes.testing-pack";
  d.required("value", any_type)
      .required("sleep_seconds", "FLOAT",
                seconds_options("Seconds to hold the executor, reporting progress."))
      .hidden("unique_id", "UNIQUE_ID")
      .output(any_type);
  d.run = waiting_node("sleep_seconds", speed);
  return d;
}

node_definition sync_error_definition() {
  node_definition d;
  d.class_type = "TestSyncError";
  d.category = "_for_testing/async";
  d.python_module = "custom_nodes.testing-pack";
  d.required("value", any_type).output(any_type);
  d.run = [](node_call&) -> node_outcome {
    return node_failure{"RuntimeError", "Intentional sync execution error for testing"};
  };
  return d;
}

node_definition crash_definition() {
  node_definition d;
  d.class_type = "DroverTestCrashWorker";
  d.display_name = "Crash Worker (testing)";
  d.category = testing_category;
  d.description = "Ends the worker process at once with SIGKILL, as a poison prompt.";
  d.python_module = "custom_nodes.drover-testing";
  d.required("value", any_type).output(any_type);
  d.output_node = true;
  d.run = [](node_call& call) -> node_outcome {
    actors::logger("worker")->warn("testing node kills its worker node_id={}",
                                   call.node_id());
    actors::logger("worker")->flush();
    ::kill(::getpid(), SIGKILL);
    std::_Exit(137);
  };
  return d;
}

json size_options(std::int64_t max) {
  return {{"default", 512}, {"min", 1}, {"max", max}, {"step", 1}};
}

node_definition& stub_shape(node_definition& d) {
  constexpr std::int64_t gib = 1024LL * 1024 * 1024;
  return d.required("height", "INT", size_options(gib))
      .required("width", "INT", size_options(4096LL * 4096 * 4096))
      .required("batch_size", "INT",
                {{"default", 1}, {"min", 1}, {"max", gib}, {"step", 1}});
}

/// A stub tensor of `channels` (0: a mask [B, H, W]) filled by `fill`.
template <typename Fill>
node_outcome stub_tensor(node_call& call, std::int64_t channels, Fill fill) {
  DROVER_TRY(height, call.integer("height"));
  DROVER_TRY(width, call.integer("width"));
  DROVER_TRY(batch, call.integer("batch_size"));
  std::vector<std::int64_t> shape{batch, height, width};
  if (channels > 0) {
    shape.push_back(channels);
  }
  DROVER_TRY(out, tensor::allocate(std::move(shape)));
  float* data = out->data();
  for (std::size_t i = 0; i < out->size(); ++i) {
    data[i] = fill();
  }
  return node_result{{tensor_ptr{std::move(out)}}, nullptr};
}

node_outcome stub_image(node_call& call) {
  DROVER_TRY(content, call.string("content"));
  if (content == "WHITE" || content == "BLACK") {
    float v = content == "WHITE" ? 1.0f : 0.0f;
    return stub_tensor(call, 3, [v] { return v; });
  }
  if (content == "NOISE") {
    std::mt19937 engine{std::random_device{}()};
    std::uniform_real_distribution<float> uniform{0.0f, 1.0f};
    return stub_tensor(call, 3, [&] { return uniform(engine); });
  }
  return node_failure{"ValueError", "content must be WHITE, BLACK or NOISE"};
}

node_definition stub_image_definition() {
  node_definition d;
  d.class_type = "StubImage";
  d.category = stub_category;
  d.python_module = "custom_nodes.testing-pack";
  d.required("content", json::array({"WHITE", "BLACK", "NOISE"}));
  stub_shape(d).output("IMAGE");
  d.run = stub_image;
  return d;
}

json unit_options() {
  return {{"default", 0.5}, {"min", 0.0}, {"max", 1.0}, {"step", 0.01}};
}

node_definition stub_constant_definition(const char* class_type, const char* type,
                                         std::int64_t channels) {
  node_definition d;
  d.class_type = class_type;
  d.category = stub_category;
  d.python_module = "custom_nodes.testing-pack";
  d.required("value", "FLOAT", unit_options());
  stub_shape(d).output(type);
  d.run = [channels](node_call& call) -> node_outcome {
    DROVER_TRY(value, call.number("value"));
    auto v = static_cast<float>(value);
    return stub_tensor(call, channels, [v] { return v; });
  };
  return d;
}

node_definition stub_primitive_definition(const char* class_type, const char* type,
                                          json options) {
  node_definition d;
  d.class_type = class_type;
  d.category = stub_category;
  d.python_module = "custom_nodes.testing-pack";
  d.required("value", type, std::move(options)).output(type);
  d.run = [](node_call& call) -> node_outcome {
    DROVER_TRY(value, pass_through(call));
    return node_result{{std::move(value)}, nullptr};
  };
  return d;
}

/// Reports progress `count` times (1..count of count) as fast as the worker
/// takes the events, for event fan-out benchmarks, then passes `value`.
node_definition progress_flood_definition() {
  node_definition d;
  d.class_type = "DroverTestProgressFlood";
  d.display_name = "Progress Flood (testing)";
  d.category = testing_category;
  d.description = "Reports progress count times without waiting, then passes value.";
  d.python_module = "custom_nodes.drover-testing";
  d.required("value", any_type)
      .required("count", "INT", {{"default", 1000}, {"min", 0}, {"max", 100000000}})
      .output(any_type);
  d.run = [](node_call& call) -> node_outcome {
    DROVER_TRY(value, pass_through(call));
    DROVER_TRY(count, call.integer("count"));
    auto& env = call.environment();
    for (std::int64_t i = 1; i <= count; ++i) {
      env.progress(call.node_id(), static_cast<double>(i), static_cast<double>(count));
      if (env.interrupted()) {
        return node_failure{node_failure::interrupt_type, "interrupted"};
      }
    }
    return node_result{{std::move(value)}, nullptr};
  };
  return d;
}

}  // namespace

actors::result<void> register_testing_nodes(node_registry& registry, double speed) {
  if (!std::isfinite(speed) || speed <= 0) {
    return actors::error{actors::errc::invalid_input,
                         "testing speed must be a positive number"};
  }
  DROVER_TRYV(registry.add(sleep_definition(speed)));
  DROVER_TRYV(registry.add(sync_progress_definition(speed)));
  DROVER_TRYV(registry.add(sync_error_definition()));
  DROVER_TRYV(registry.add(crash_definition()));
  DROVER_TRYV(registry.add(progress_flood_definition()));
  DROVER_TRYV(registry.add(stub_image_definition()));
  DROVER_TRYV(registry.add(stub_constant_definition("StubConstantImage", "IMAGE", 3)));
  DROVER_TRYV(registry.add(stub_constant_definition("StubMask", "MASK", 0)));
  DROVER_TRYV(registry.add(stub_primitive_definition(
      "StubInt", "INT",
      {{"default", 0}, {"min", -0xffffffffLL}, {"max", 0xffffffffLL}, {"step", 1}})));
  DROVER_TRYV(registry.add(stub_primitive_definition(
      "StubFloat", "FLOAT",
      {{"default", 0.0}, {"min", -1.0e38}, {"max", 1.0e38}, {"step", 0.01}})));
  return actors::ok();
}

}  // namespace drover::worker
