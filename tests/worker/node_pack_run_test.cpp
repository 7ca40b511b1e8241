// A node of a loaded pack run by the executor: the events its progress
// previews, its custom message and its ui become, in the order clients get
// them; and the node environment's contract for previews and messages.

#include <atomic>

#include <doctest/doctest.h>

#include "node_pack_test_support.hpp"
#include "worker/core_nodes.hpp"
#include "worker/executor.hpp"
#include "worker/jpeg_codec.hpp"
#include "worker/node_call.hpp"
#include "worker/node_pack_loader.hpp"
#include "worker/png_codec.hpp"
#include "worker_test_support.hpp"

namespace drover::worker {
namespace {

/// A worker's registry with the built-in and the example pack, and an
/// executor over it.
struct pack_executor {
  testing::pack_folder folder;
  node_registry registry;
  testing::recording_sink events;
  testing::memory_files files;
  std::atomic<bool> interrupt{false};
  std::unique_ptr<executor> exec;

  pack_executor() {
    REQUIRE(install_node_pack(core_node_pack(), registry));
    folder.add(DROVER_EXAMPLE_PACK, "example.so");
    auto report = load_node_packs(folder.path(), registry);
    REQUIRE(report.has_value());
    REQUIRE(report.value().loaded.size() == 1);
    exec = std::make_unique<executor>(registry);
  }

  fragment_report run(const json& prompt, const std::string& output) {
    auto graph = actors::prompt_graph::parse(prompt);
    REQUIRE(graph);
    attempt_environment env{{"p", 0, 0}, prompt, nullptr, files, events, interrupt};
    return exec->run(graph.value(), {output}, env);
  }
};

json example_prompt(const std::string& id, int steps) {
  return {{id,
           {{"class_type", "ExampleProgressNode"},
            {"inputs", {{"steps", steps}, {"preview_size", 16}}}}}};
}

/// Each node event as a word: "started", "progress", "preview", "message", ...
std::vector<std::string> kinds(const std::vector<actors::event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    std::visit(
        [&](const auto& body) {
          using body_type = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<body_type, actors::fragment_started> ||
                        std::is_same_v<body_type, actors::fragment_ended>) {
            return;  // every attempt's first and last, not the node's
          } else if constexpr (std::is_same_v<body_type, actors::node_started>) {
            out.push_back("started");
          } else if constexpr (std::is_same_v<body_type, actors::node_progress>) {
            out.push_back("progress");
          } else if constexpr (std::is_same_v<body_type, actors::node_preview>) {
            out.push_back("preview");
          } else if constexpr (std::is_same_v<body_type, actors::custom_message>) {
            out.push_back("message");
          } else if constexpr (std::is_same_v<body_type, actors::node_output>) {
            out.push_back("output");
          } else if constexpr (std::is_same_v<body_type, actors::node_finished>) {
            out.push_back("finished");
          } else {
            out.push_back("other");
          }
        },
        e.body);
  }
  return out;
}

template <class Body>
std::vector<Body> bodies(const std::vector<actors::event>& events) {
  std::vector<Body> out;
  for (const auto& e : events) {
    if (const auto* body = std::get_if<Body>(&e.body)) {
      out.push_back(*body);
    }
  }
  return out;
}

TEST_CASE("the example node reports previews, sends its id, then returns its ui") {
  pack_executor worker;

  auto report = worker.run(example_prompt("17", 3), "17");

  REQUIRE(report.outcome == actors::fragment_outcome::success);
  auto seen = kinds(worker.events.events);
  CHECK(seen == std::vector<std::string>{"started", "progress", "preview", "progress",
                                         "preview", "progress", "preview", "message",
                                         "message", "output", "finished"});

  auto progress = bodies<actors::node_progress>(worker.events.events);
  REQUIRE(progress.size() == 3);
  CHECK(progress[0].node_id == "17");
  CHECK(progress[2].value == 3.0);
  CHECK(progress[2].max == 3.0);

  auto previews = bodies<actors::node_preview>(worker.events.events);
  REQUIRE(previews.size() == 3);
  CHECK(previews[0].image_type == "image/jpeg");
  auto jpeg =
      decode_jpeg(std::string(previews[0].image.begin(), previews[0].image.end()));
  REQUIRE(jpeg.has_value());
  // The 16-pixel picture contained in ComfyUI's 512 preview square.
  CHECK(jpeg.value().width == 512);
  CHECK(jpeg.value().height == 512);

  auto messages = bodies<actors::custom_message>(worker.events.events);
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].type == "example.node_status");
  CHECK(messages[0].broadcast);
  CHECK(messages[0].data["node_id"] == "17");
  CHECK(messages[0].data["steps"] == 3);
  CHECK(messages[1].type == "example.client_note");
  CHECK_FALSE(messages[1].broadcast);
  CHECK(messages[1].data["node_id"] == "17");

  auto outputs = bodies<actors::node_output>(worker.events.events);
  REQUIRE(outputs.size() == 1);
  CHECK(outputs[0].ui ==
        json{{"example_status", json::array({{{"node_id", "17"}, {"steps", 3}}})}});
  CHECK(report.outputs["17"] == outputs[0].ui);
}

/// A one-class pack whose node runs `body` with its environment.
struct probe_pack {
  static inline std::function<node_outcome(node_call&)> body;

  static actors::result<void> register_classes(node_registry& registry) {
    node_definition d;
    d.class_type = "ProbeNode";
    d.output_node = true;
    d.run = [](node_call& call) {
      return body(call);
    };
    return registry.add(std::move(d));
  }
};

struct probe_executor {
  node_registry registry;
  testing::recording_sink events;
  testing::memory_files files;
  std::atomic<bool> interrupt{false};

  explicit probe_executor(std::function<node_outcome(node_call&)> body) {
    probe_pack::body = std::move(body);
    node_pack_descriptor pack;
    pack.name = "probe";
    pack.register_classes = &probe_pack::register_classes;
    REQUIRE(install_node_pack(pack, registry));
  }

  fragment_report run() {
    json prompt = {{"9", {{"class_type", "ProbeNode"}, {"inputs", json::object()}}}};
    auto graph = actors::prompt_graph::parse(prompt);
    REQUIRE(graph);
    executor exec{registry};
    attempt_environment env{{"p", 0, 0}, prompt, nullptr, files, events, interrupt};
    return exec.run(graph.value(), {"9"}, env);
  }
};

TEST_CASE("a node that returns an empty ui dictionary sends no executed") {
  probe_executor worker{[](node_call&) -> node_outcome {
    node_result out;
    out.ui = json::object();
    return out;
  }};

  auto report = worker.run();

  REQUIRE(report.outcome == actors::fragment_outcome::success);
  CHECK(kinds(worker.events.events) == std::vector<std::string>{"started", "finished"});
  CHECK_FALSE(report.outputs.contains("9"));
}

TEST_CASE("a message sent to the prompt's client is marked as not broadcast") {
  probe_executor worker{[](node_call& call) -> node_outcome {
    auto sent = call.environment().send("probe.private", {{"n", 1}},
                                        message_delivery::prompt_client);
    REQUIRE(sent.has_value());
    return node_result{};
  }};

  worker.run();

  auto messages = bodies<actors::custom_message>(worker.events.events);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].type == "probe.private");
  CHECK(messages[0].data == json{{"n", 1}});
  CHECK_FALSE(messages[0].broadcast);
}

TEST_CASE("a message without a type is refused and nothing is sent") {
  probe_executor worker{[](node_call& call) -> node_outcome {
    auto sent = call.environment().send("", {{"n", 1}});
    REQUIRE_FALSE(sent.has_value());
    CHECK(sent.error().code == actors::errc::invalid_input);
    return node_result{};
  }};

  worker.run();

  CHECK(bodies<actors::custom_message>(worker.events.events).empty());
}

TEST_CASE("an encoded JPEG preview is passed on unchanged with its type") {
  const std::string jpeg = "\xff\xd8\xff\xe0 not decoded by the worker";
  probe_executor worker{[&](node_call& call) -> node_outcome {
    auto shown = call.environment().progress(
        call.node_id(), 1, 2, preview_image::from_encoded("image/jpeg", jpeg));
    REQUIRE(shown.has_value());
    return node_result{};
  }};

  worker.run();

  auto previews = bodies<actors::node_preview>(worker.events.events);
  REQUIRE(previews.size() == 1);
  CHECK(previews[0].image_type == "image/jpeg");
  CHECK(std::string(previews[0].image.begin(), previews[0].image.end()) == jpeg);
}

TEST_CASE("a preview of an unknown type is refused but its progress is reported") {
  probe_executor worker{[](node_call& call) -> node_outcome {
    auto shown = call.environment().progress(
        call.node_id(), 1, 2, preview_image::from_encoded("image/gif", "GIF89a"));
    REQUIRE_FALSE(shown.has_value());
    CHECK(shown.error().message ==
          "a preview must be image/jpeg or image/png, not "
          "image/gif");
    return node_result{};
  }};

  worker.run();

  CHECK(bodies<actors::node_progress>(worker.events.events).size() == 1);
  CHECK(bodies<actors::node_preview>(worker.events.events).empty());
}

TEST_CASE("a large tensor preview is shrunk to fit 512 pixels, keeping its aspect") {
  probe_executor worker{[](node_call& call) -> node_outcome {
    DROVER_TRY(picture, tensor::allocate({1, 300, 1024, 3}));
    std::fill_n(picture->data(), picture->size(), 0.5f);
    auto shown = call.environment().progress(
        call.node_id(), 1, 1, preview_image::from_tensor(std::move(picture)));
    REQUIRE(shown.has_value());
    return node_result{};
  }};

  worker.run();

  auto previews = bodies<actors::node_preview>(worker.events.events);
  REQUIRE(previews.size() == 1);
  auto jpeg =
      decode_jpeg(std::string(previews[0].image.begin(), previews[0].image.end()));
  REQUIRE(jpeg.has_value());
  CHECK(jpeg.value().width == 512);
  CHECK(jpeg.value().height == 150);
  CHECK(std::abs(int{jpeg.value().data[0]} - 127) <= 1);
}

}  // namespace
}  // namespace drover::worker
