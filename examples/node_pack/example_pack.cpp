// drover's example node pack: one node class, ExampleProgressNode, that uses
// every part of the node API a ComfyUI custom node would (docs/node-packs.md).
// Built as the shared library drover_example_pack.so; a worker started with
// `--node-packs DIR` loads it when the library lies in DIR.

#include <algorithm>
#include <cstdint>
#include <string>
#include <unistd.h>

#include "worker/node_api/node_api.hpp"

namespace example {

using drover::json;
using drover::actors::result;
using namespace drover::worker;

/// A square RGB picture whose colour moves from blue to red as `step`
/// approaches `steps`: something visibly different at every progress tick.
result<tensor_ptr> step_picture(std::int64_t size, std::int64_t step,
                                std::int64_t steps) {
  DROVER_TRY(picture, tensor::allocate({1, size, size, 3}));
  auto red = static_cast<float>(step) / static_cast<float>(steps);
  float* pixel = picture->data();
  for (std::int64_t i = 0; i < size * size; ++i, pixel += 3) {
    pixel[0] = red;
    pixel[1] = 0.25f;
    pixel[2] = 1.0f - red;
  }
  return tensor_ptr{std::move(picture)};
}

/// Runs `steps` steps, each reported as progress with a preview; then tells
/// every client which node ran where, leaves a note for the prompt's client,
/// and returns a ui dictionary.
node_outcome run_progress_node(node_call& call) {
  DROVER_TRY(steps, call.integer("steps"));
  DROVER_TRY(size, call.integer("preview_size"));
  auto& env = call.environment();
  const auto& node_id = call.node_id();  // the hidden input UNIQUE_ID

  for (std::int64_t step = 1; step <= steps; ++step) {
    if (env.interrupted()) {
      return node_failure{node_failure::interrupt_type, "interrupted"};
    }
    DROVER_TRY(picture, step_picture(size, step, steps));
    auto shown =
        env.progress(node_id, static_cast<double>(step), static_cast<double>(steps),
                     preview_image::from_tensor(std::move(picture)));
    if (!shown) {
      return node_failure{shown.error()};
    }
  }

  // The worker's process id lets a client see which worker ran the node.
  json status = {{"node_id", node_id}, {"steps", steps}, {"worker_pid", getpid()}};
  if (auto sent = env.send("example.node_status", status); !sent) {
    return node_failure{sent.error()};
  }

  // A note for the client that submitted the prompt only.
  json note = {{"node_id", node_id}, {"text", "done"}};
  if (auto sent = env.send("example.client_note", note, message_delivery::prompt_client);
      !sent) {
    return node_failure{sent.error()};
  }

  node_result out;
  out.ui = {{"example_status", json::array({{{"node_id", node_id}, {"steps", steps}}})}};
  return out;
}

node_definition progress_node() {
  node_definition d;
  d.class_type = "ExampleProgressNode";
  d.display_name = "Example Progress (drover pack)";
  d.category = "drover/examples";
  d.description =
      "Reports progress with previews, sends a status message, "
      "and shows a summary.";
  d.python_module = "custom_nodes.drover_example_pack";
  d.required("steps", "INT", {{"default", 4}, {"min", 1}, {"max", 100}})
      .required("preview_size", "INT", {{"default", 64}, {"min", 8}, {"max", 1024}})
      .hidden("unique_id", "UNIQUE_ID");
  d.output_node = true;
  d.run = run_progress_node;
  return d;
}

}  // namespace example

DROVER_NODE_PACK("drover-example", "1.0.0") {
  return registry.add(example::progress_node());
}
