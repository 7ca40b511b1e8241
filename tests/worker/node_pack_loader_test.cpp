// The node pack loader against real shared libraries: the example pack and
// the broken packs of tests/packs, opened with dlopen from a folder.

#include "worker/node_pack_loader.hpp"

#include <doctest/doctest.h>

#include "node_pack_test_support.hpp"
#include "worker/core_nodes.hpp"
#include "worker/node_call.hpp"

namespace drover::worker {
namespace {

using testing::pack_folder;

/// A registry holding the built-in pack, as a worker's is before it loads.
struct core_registry {
  node_registry registry;
  std::size_t core_size = 0;

  core_registry() {
    REQUIRE(install_node_pack(core_node_pack(), registry));
    core_size = registry.size();
  }
};

node_pack_report load(pack_folder& folder, node_registry& registry) {
  auto report = load_node_packs(folder.path(), registry);
  REQUIRE_MESSAGE(report.has_value(), report.error().message);
  return std::move(report.value());
}

/// The one refusal of `report`, which must hold no loaded pack.
refused_node_pack only_refusal(const node_pack_report& report) {
  REQUIRE(report.loaded.empty());
  REQUIRE(report.refused.size() == 1);
  return report.refused.front();
}

TEST_CASE("the core pack holds a class of every native node family and no testing node") {
  core_registry core;
  for (const char* name :
       {"EmptyImage", "ImageBlur", "ImageFlip", "ImagePadForOutpaint", "ImageAddNoise",
        "SaveImage", "SolidMask", "PrimitiveInt", "PreviewAny", "StringConcatenate",
        "ImageBatch", "LatentUpscale", "SaveAnimatedPNG", "LoadImage"}) {
    CAPTURE(name);
    CHECK(core.registry.find(name) != nullptr);
  }
  CHECK(core.registry.find("TestSleep") == nullptr);
}

TEST_CASE("the example pack loads and its class joins the worker's catalog") {
  core_registry worker;
  pack_folder folder;
  auto path = folder.add(DROVER_EXAMPLE_PACK, "example.so");

  auto report = load(folder, worker.registry);

  REQUIRE(report.refused.empty());
  REQUIRE(report.loaded.size() == 1);
  CHECK(report.loaded[0].path == path);
  CHECK(report.loaded[0].name == "drover-example");
  CHECK(report.loaded[0].version == "1.0.0");
  CHECK(report.loaded[0].classes == std::vector<std::string>{"ExampleProgressNode"});
  CHECK(worker.registry.size() == worker.core_size + 1);
  auto info = worker.registry.object_info();
  REQUIRE(info.contains("ExampleProgressNode"));
  const auto& entry = info["ExampleProgressNode"];
  CHECK(entry["output_node"] == true);
  CHECK(entry["category"] == "drover/examples");
  CHECK(entry["input"]["hidden"]["unique_id"] == "UNIQUE_ID");
  CHECK(entry["input"]["required"]["steps"][0] == "INT");
}

TEST_CASE("a pack built for another node API version is refused with the reason") {
  core_registry worker;
  pack_folder folder;
  auto path = folder.add(DROVER_TEST_WRONG_VERSION_PACK, "wrong_version.so");

  auto refusal = only_refusal(load(folder, worker.registry));

  CHECK(refusal.path == path);
  CHECK(refusal.reason == "built for node API version " +
                              std::to_string(node_api_version + 1000) +
                              ", this worker has " + std::to_string(node_api_version));
  CHECK(worker.registry.size() == worker.core_size);
}

TEST_CASE("a pack whose register function throws is refused with none of its classes") {
  core_registry worker;
  pack_folder folder;
  folder.add(DROVER_TEST_THROWING_PACK, "throwing.so");

  auto refusal = only_refusal(load(folder, worker.registry));

  CHECK(refusal.reason == "register function threw: the throwing pack always throws");
  CHECK(worker.registry.find("ThrowingPackNode") == nullptr);
  CHECK(worker.registry.size() == worker.core_size);
}

TEST_CASE("a pack that registers a class the worker already has is refused as a whole") {
  core_registry worker;
  pack_folder folder;
  folder.add(DROVER_TEST_DUPLICATE_CLASS_PACK, "duplicate.so");
  auto save_image_before = worker.registry.object_info()["SaveImage"];

  auto refusal = only_refusal(load(folder, worker.registry));

  CHECK(refusal.reason == "node class SaveImage is already registered");
  CHECK(worker.registry.find("DuplicatePackNode") == nullptr);
  CHECK(worker.registry.size() == worker.core_size);
  CHECK(worker.registry.object_info()["SaveImage"] == save_image_before);
}

TEST_CASE("a library without the entry point is refused") {
  core_registry worker;
  pack_folder folder;
  folder.add(DROVER_TEST_NO_ENTRY_PACK, "no_entry.so");

  auto refusal = only_refusal(load(folder, worker.registry));

  CHECK(refusal.reason == "no drover_node_pack entry point");
  CHECK(worker.registry.size() == worker.core_size);
}

TEST_CASE("a file that is not a shared library is refused as unopenable") {
  core_registry worker;
  pack_folder folder;
  folder.write("garbage.so", "this is not an ELF file");

  auto refusal = only_refusal(load(folder, worker.registry));

  CHECK(refusal.reason.rfind("cannot be opened: ", 0) == 0);
  CHECK(worker.registry.size() == worker.core_size);
}

TEST_CASE(
    "good and broken packs in one folder: each broken one is refused, the good "
    "one loads") {
  core_registry worker;
  pack_folder folder;
  folder.add(DROVER_TEST_WRONG_VERSION_PACK, "a_wrong_version.so");
  folder.add(DROVER_TEST_THROWING_PACK, "b_throwing.so");
  folder.add(DROVER_EXAMPLE_PACK, "c_example.so");
  folder.add(DROVER_TEST_DUPLICATE_CLASS_PACK, "d_duplicate.so");
  folder.write("notes.txt", "files that are not *.so are ignored");

  auto report = load(folder, worker.registry);

  REQUIRE(report.loaded.size() == 1);
  CHECK(report.loaded[0].name == "drover-example");
  REQUIRE(report.refused.size() == 3);
  CHECK(report.refused[0].path == folder.path() + "/a_wrong_version.so");
  CHECK(report.refused[1].path == folder.path() + "/b_throwing.so");
  CHECK(report.refused[2].path == folder.path() + "/d_duplicate.so");
  CHECK(worker.registry.size() == worker.core_size + 1);
}

TEST_CASE("the same pack twice in a folder loads once; the second copy is refused") {
  core_registry worker;
  pack_folder folder;
  folder.add(DROVER_EXAMPLE_PACK, "first.so");
  folder.add(DROVER_EXAMPLE_PACK, "second.so");

  auto report = load(folder, worker.registry);

  REQUIRE(report.loaded.size() == 1);
  CHECK(report.loaded[0].path == folder.path() + "/first.so");
  REQUIRE(report.refused.size() == 1);
  CHECK(report.refused[0].reason ==
        "node class ExampleProgressNode is already registered");
}

TEST_CASE("a node pack folder that does not exist fails with not_found") {
  core_registry worker;
  auto report = load_node_packs("/nonexistent/drover-packs", worker.registry);
  REQUIRE_FALSE(report.has_value());
  CHECK(report.error().code == actors::errc::not_found);
  CHECK(worker.registry.size() == worker.core_size);
}

TEST_CASE("the built-in pack goes through the pack interface, all or nothing") {
  node_registry registry;
  auto first = install_node_pack(core_node_pack(), registry);
  REQUIRE(first.has_value());
  CHECK(first.value().size() == registry.size());
  CHECK(registry.find("SaveImage") != nullptr);

  auto again = install_node_pack(core_node_pack(), registry);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == actors::errc::invalid_input);
  CHECK(registry.size() == first.value().size());
}

actors::result<void> register_bad_outputs(node_registry& registry) {
  node_definition d;
  d.class_type = "BadOutputs";
  d.output("IMAGE");
  d.output_names.push_back("extra");  // one name too many
  d.run = [](node_call&) -> node_outcome {
    return node_result{};
  };
  return registry.add(std::move(d));
}

TEST_CASE("a class whose output lists differ in length is refused") {
  node_registry registry;
  node_pack_descriptor pack;
  pack.name = "bad-outputs";
  pack.register_classes = &register_bad_outputs;

  auto installed = install_node_pack(pack, registry);

  REQUIRE_FALSE(installed.has_value());
  CHECK(installed.error().message ==
        "node class BadOutputs has outputs of unequal list "
        "lengths");
  CHECK(registry.size() == 0);
}

TEST_CASE("a descriptor of another type layout is refused before registering") {
  node_registry registry;
  node_pack_descriptor pack;
  pack.layout = node_api_layout() + 1;
  pack.register_classes = &register_bad_outputs;

  auto installed = install_node_pack(pack, registry);

  REQUIRE_FALSE(installed.has_value());
  CHECK(installed.error().message.find("type layouts differ") != std::string::npos);
}

}  // namespace
}  // namespace drover::worker
