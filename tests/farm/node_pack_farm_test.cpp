// Node packs on a farm of real processes: worker 0 loads the example pack,
// worker 1 is given broken packs. Clients see the pack node's messages as a
// ComfyUI client would, and prompts using the pack run only on worker 0.

#include <arpa/inet.h>
#include <cstring>
#include <set>

#include <doctest/doctest.h>

#include "tests/farm/farm_fixture.hpp"
#include "tests/worker/node_pack_test_support.hpp"
#include "worker/jpeg_codec.hpp"
#include "worker/png_codec.hpp"

namespace drover::test {
namespace {

using worker::testing::pack_folder;

constexpr std::chrono::seconds frame_timeout{30};

/// Worker 0 loads the example pack; worker 1 (if any) gets two broken packs.
struct pack_farm {
  pack_folder good;
  pack_folder broken;
  farm_fixture fixture;

  explicit pack_farm(std::uint32_t workers = 2)
      : fixture(layout(good, broken, workers)) {}

  static cli::local_farm_options layout(pack_folder& good, pack_folder& broken,
                                        std::uint32_t workers) {
    good.add(DROVER_EXAMPLE_PACK, "example.so");
    broken.add(DROVER_TEST_THROWING_PACK, "throwing.so");
    broken.add(DROVER_TEST_WRONG_VERSION_PACK, "wrong_version.so");
    cli::local_farm_options options;
    options.workers = workers;
    options.worker_args = {{"--node-packs", good.path()},
                           {"--node-packs", broken.path()}};
    return options;
  }
};

/// A farm of one worker that is given only broken packs.
cli::local_farm_options broken_only(pack_folder& broken) {
  broken.add(DROVER_TEST_THROWING_PACK, "throwing.so");
  broken.add(DROVER_TEST_WRONG_VERSION_PACK, "wrong_version.so");
  broken.add(DROVER_TEST_DUPLICATE_CLASS_PACK, "duplicate.so");
  cli::local_farm_options options;
  options.workers = 1;
  options.worker_args = {{"--node-packs", broken.path()}};
  return options;
}

json example_prompt(int steps, int preview_size) {
  return {{"1",
           {{"class_type", "ExampleProgressNode"},
            {"inputs", {{"steps", steps}, {"preview_size", preview_size}}}}}};
}

std::string submit(farm_fixture& fixture, const json& prompt,
                   const std::string& client_id) {
  json request = {{"prompt", prompt}, {"client_id", client_id}};
  auto accepted = fixture.post_json("/prompt", request, 200);
  REQUIRE(accepted["prompt_id"].is_string());
  return accepted["prompt_id"];
}

std::uint32_t big_endian_at(const std::string& bytes, std::size_t offset) {
  std::uint32_t value = 0;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return ntohl(value);
}

/// A ComfyUI type-1 preview frame: its format number and image bytes.
std::pair<std::uint32_t, std::string> preview_of(const std::string& frame) {
  REQUIRE(frame.size() > 8);
  CHECK(big_endian_at(frame, 0) == 1);  // PREVIEW_IMAGE
  return {big_endian_at(frame, 4), frame.substr(8)};
}

std::set<std::string> class_names(farm_fixture& fixture) {
  auto response = fixture.get("/object_info");
  REQUIRE(response.status == 200);
  auto info = json::parse(response.body);
  std::set<std::string> names;
  for (const auto& item : info.items()) {
    names.insert(item.key());
  }
  return names;
}

TEST_CASE(
    "a client gets a pack node's progress, previews, message and ui in "
    "ComfyUI's order, and another client gets the broadcast message") {
  pack_farm farm;
  auto& fixture = farm.fixture;
  auto ws = fixture.connect_ws("pack-client");
  REQUIRE(next_frame(ws, frame_timeout).has_value());  // the status greeting
  auto other = fixture.connect_ws("other-client");
  REQUIRE(next_frame(other, frame_timeout).has_value());

  auto classes = class_names(fixture);
  CHECK(classes.count("ExampleProgressNode") == 1);
  CHECK(classes.count("ThrowingPackNode") == 0);
  CHECK(classes.count("SaveImage") == 1);

  auto prompt_id = submit(fixture, example_prompt(3, 16), "pack-client");

  std::vector<std::string> order;
  json status_message;
  json executed;
  while (true) {
    auto frame = next_frame(ws, frame_timeout);
    REQUIRE_MESSAGE(frame.has_value(), "no frame within 30 s after " << json(order));
    if (!frame->text) {
      auto [format, image] = preview_of(frame->data);
      CHECK(format == 1);  // JPEG, as ComfyUI sends previews
      auto jpeg = worker::decode_jpeg(image);
      REQUIRE(jpeg.has_value());
      // ComfyUI contains every preview in its 512 square, up or down.
      CHECK(jpeg.value().width == 512);
      order.push_back("preview");
      continue;
    }
    auto message = json::parse(frame->data);
    std::string type = message["type"];
    REQUIRE_MESSAGE(type != "execution_error", message.dump());
    if (type == "status" || type == "progress_state") {
      continue;
    }
    // A custom message's data arrive as the node sent them, without prompt_id.
    if (type.rfind("example.", 0) != 0) {
      CHECK(message["data"]["prompt_id"] == prompt_id);
    }
    if (type == "executing") {
      type += " " + message["data"]["node"].get<std::string>();
    } else if (type == "progress") {
      CHECK(message["data"]["node"] == "1");
    } else if (type == "example.node_status") {
      status_message = message["data"];
    } else if (type == "example.client_note") {
      CHECK(message["data"] == json{{"node_id", "1"}, {"text", "done"}});
    } else if (type == "executed") {
      executed = message["data"];
    }
    order.push_back(type);
    if (type == "execution_success") {
      break;
    }
  }

  CHECK(order == std::vector<std::string>{"execution_start", "execution_cached",
                                          "executing 1", "progress", "preview",
                                          "progress", "preview", "progress", "preview",
                                          "example.node_status", "example.client_note",
                                          "executed", "execution_success"});
  CHECK(status_message["node_id"] == "1");
  CHECK(status_message["steps"] == 3);
  CHECK(status_message["worker_pid"] == fixture.farm().worker(0).pid());
  CHECK(executed["node"] == "1");
  CHECK(executed["output"] ==
        json{{"example_status", json::array({{{"node_id", "1"}, {"steps", 3}}})}});

  // The other client gets the broadcast message, and nothing that ComfyUI
  // sends to the prompt's client only.
  json broadcast;
  while (broadcast.is_null()) {
    auto frame = next_frame(other, frame_timeout);
    REQUIRE_MESSAGE(frame.has_value(), "the other client got no example.node_status");
    REQUIRE_MESSAGE(frame->text, "the other client got a preview of another's prompt");
    auto message = json::parse(frame->data);
    CHECK(message["type"] != "executing");
    CHECK(message["type"] != "progress");
    CHECK(message["type"] != "executed");
    if (message["type"] == "example.node_status") {
      broadcast = message["data"];
    }
  }
  CHECK(broadcast == status_message);

  // Nor the note for the prompt's client, which would come before the
  // queue status that follows the prompt's end.
  while (true) {
    auto frame = next_frame(other, frame_timeout);
    REQUIRE_MESSAGE(frame.has_value(), "the other client got no status after the prompt");
    auto message = json::parse(frame->data);
    CHECK(message["type"] != "example.client_note");
    if (message["type"] == "status") {
      break;
    }
  }
}

TEST_CASE(
    "a client that negotiated metadata previews gets the pack node's previews "
    "as type 4 frames") {
  pack_farm farm;
  auto& fixture = farm.fixture;
  auto ws = fixture.connect_ws("metadata-client");
  REQUIRE(next_frame(ws, frame_timeout).has_value());
  REQUIRE(ws.send_text(R"({"type":"feature_flags",)"
                       R"("data":{"supports_preview_metadata":true}})"));
  auto answer = next_frame(ws, frame_timeout);
  REQUIRE(answer.has_value());
  CHECK(json::parse(answer->data)["type"] == "feature_flags");

  auto prompt_id = submit(fixture, example_prompt(2, 24), "metadata-client");

  std::vector<json> metadata;
  std::vector<std::string> order;
  while (true) {
    auto frame = next_frame(ws, frame_timeout);
    REQUIRE_MESSAGE(frame.has_value(), "no frame within 30 s");
    order.push_back(frame->text ? json::parse(frame->data)["type"].get<std::string>()
                                : std::string{"preview"});
    if (frame->text) {
      auto message = json::parse(frame->data);
      REQUIRE_MESSAGE(message["type"] != "execution_error", message.dump());
      if (message["type"] == "execution_success") {
        break;
      }
      continue;
    }
    REQUIRE(frame->data.size() > 8);
    CHECK(big_endian_at(frame->data, 0) == 4);  // PREVIEW_IMAGE_WITH_METADATA
    auto length = big_endian_at(frame->data, 4);
    REQUIRE(frame->data.size() > 8 + length);
    metadata.push_back(json::parse(frame->data.substr(8, length)));
    auto jpeg = worker::decode_jpeg(frame->data.substr(8 + length));
    REQUIRE(jpeg.has_value());
    CHECK(jpeg.value().width == 512);  // the 24-pixel picture, contained in 512
  }

  REQUIRE(metadata.size() == 2);
  // ComfyUI sends a type-4 preview between its tick's progress_state and
  // progress messages (comfyui-protocol.md §4.4).
  for (std::size_t i = 1; i + 1 < order.size(); ++i) {
    if (order[i] == "preview") {
      CHECK(order[i - 1] == "progress_state");
      CHECK(order[i + 1] == "progress");
    }
  }
  for (const auto& entry : metadata) {
    CHECK(entry["node_id"] == "1");
    CHECK(entry["prompt_id"] == prompt_id);
    CHECK(entry["image_type"] == "image/jpeg");
  }
}

TEST_CASE("prompts using a pack's class run only on the worker that loaded it") {
  pack_farm farm;
  auto& fixture = farm.fixture;
  auto ws = fixture.connect_ws("placement-client");
  REQUIRE(next_frame(ws, frame_timeout).has_value());

  // Queued at once and each busy for a while, so that a placement blind to
  // classes would hand some to the idle worker 1 (with the pack on both
  // workers the six spread over both); distinct inputs, so none is cached.
  constexpr int prompts = 6;
  for (int i = 0; i < prompts; ++i) {
    submit(fixture, example_prompt(10, 128 + i), "placement-client");
  }

  std::vector<json> statuses;
  int succeeded = 0;
  while (succeeded < prompts) {
    auto frame = next_frame(ws, frame_timeout);
    REQUIRE_MESSAGE(frame.has_value(), "only " << succeeded << " prompts succeeded");
    if (!frame->text) {
      continue;
    }
    auto message = json::parse(frame->data);
    REQUIRE_MESSAGE(message["type"] != "execution_error", message.dump());
    if (message["type"] == "example.node_status") {
      statuses.push_back(message["data"]);
    }
    succeeded += message["type"] == "execution_success" ? 1 : 0;
  }

  REQUIRE(statuses.size() == prompts);
  for (const auto& status : statuses) {
    CHECK(status["worker_pid"] == fixture.farm().worker(0).pid());
  }
}

TEST_CASE("a worker given only broken packs starts and runs the core nodes") {
  pack_folder broken;
  farm_fixture fixture{broken_only(broken)};

  auto classes = class_names(fixture);
  CHECK(classes.count("SaveImage") == 1);
  CHECK(classes.count("ThrowingPackNode") == 0);
  CHECK(classes.count("DuplicatePackNode") == 0);

  // A prompt using a class no worker loaded is refused at submission.
  json pack_request = {{"prompt", example_prompt(2, 8)}, {"client_id", "core-client"}};
  auto refused = fixture.post_json("/prompt", pack_request, 400);
  CHECK(refused["error"]["type"] == "invalid_prompt");

  auto ws = fixture.connect_ws("core-client");
  REQUIRE(next_frame(ws, frame_timeout).has_value());
  auto workflow =
      load_json_file(std::string{DROVER_SOURCE_DIR} + "/examples/invert.json");
  submit(fixture, workflow, "core-client");
  bool succeeded = false;
  while (!succeeded) {
    auto frame = next_frame(ws, frame_timeout);
    REQUIRE_MESSAGE(frame.has_value(), "the core prompt did not finish within 30 s");
    if (!frame->text) {
      continue;
    }
    auto message = json::parse(frame->data);
    REQUIRE_MESSAGE(message["type"] != "execution_error", message.dump());
    succeeded = message["type"] == "execution_success";
  }
  CHECK(fixture.farm().ended_process() == std::nullopt);
}

}  // namespace
}  // namespace drover::test
