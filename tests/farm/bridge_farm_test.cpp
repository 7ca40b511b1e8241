// Workers that drive a ComfyUI backend (`drover worker --backend`). The
// backend is a second drover farm, whose gateway speaks ComfyUI's HTTP and
// WebSocket API for real: the bridged worker cannot tell it from ComfyUI.
// Every process is real; the failures are real signals.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <thread>

#include <doctest/doctest.h>

#include "tests/farm/farm_fixture.hpp"
#include "tests/farm/stream_log.hpp"
#include "tests/farm/test_prompts.hpp"
#include "tests/worker/node_pack_test_support.hpp"
#include "worker/png_codec.hpp"

namespace drover::test {
namespace {

/// A farm of one worker with drover's testing nodes: the ComfyUI server
/// that bridged workers drive.
cli::local_farm_options backend_layout() {
  cli::local_farm_options options;
  options.workers = 1;
  options.enable_testing_nodes = true;
  return options;
}

/// A farm whose workers drive `backends`, one each, after `native` workers
/// of its own without testing nodes.
cli::local_farm_options bridged_layout(const std::vector<farm_fixture*>& backends,
                                       std::uint32_t native = 0) {
  cli::local_farm_options options;
  options.workers = native + static_cast<std::uint32_t>(backends.size());
  options.worker_args.resize(native);
  for (auto* backend : backends) {
    options.worker_args.push_back(
        {"--backend",
         "comfyui=http://" + backend->host() + ":" + std::to_string(backend->port())});
  }
  return options;
}

/// LoadImage `file` → TestSleep (only the backend has it) → SaveImage.
json loaded_prompt(const std::string& file, const std::string& prefix) {
  return {{"1", node("LoadImage", {{"image", file}})},
          {"2", node("TestSleep", {{"value", json::array({"1", 0})}, {"seconds", 0.2}})},
          {"3", node("SaveImage",
                     {{"images", json::array({"2", 0})}, {"filename_prefix", prefix}})}};
}

/// Each message of a prompt as one line: its type, node and node states.
/// Ids, timestamps, file names and progress values are left out, and a tick
/// repeated (progress_state, progress, progress_state, …) counts once, since
/// how many ticks a timed node reports varies from run to run.
std::vector<std::string> sequence_of(const std::vector<json>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) {
    const auto& data = m["data"];
    std::string line = m["type"];
    if (data.contains("node")) {
      line += " node=" + data["node"].dump();
    }
    if (m["type"] == "progress_state") {
      for (const auto& [id, entry] : data["nodes"].items()) {
        line += " " + id + ":" + entry["state"].get<std::string>();
      }
    }
    if (m["type"] == "execution_cached") {
      line += " " + data["nodes"].dump();
    }
    out.push_back(line);
    auto n = out.size();
    if (n >= 4 && out[n - 1] == out[n - 3] && out[n - 2] == out[n - 4]) {
      out.resize(n - 2);
    }
  }
  return out;
}

TEST_CASE("a prompt through a bridged worker: its inputs, outputs and stream") {
  farm_fixture backend{backend_layout()};
  farm_fixture farm{bridged_layout({&backend}, 1)};

  // The farm offers the backend's classes beside its own.
  auto info = json::parse(farm.get("/object_info").body);
  CHECK(info.contains("TestSleep"));
  CHECK(info.contains("ImageBlur"));

  REQUIRE(farm.upload("bridge_in.png", test_png(3, 2, 40)).status == 200);
  REQUIRE(backend.upload("direct_in.png", test_png(3, 2, 90)).status == 200);

  // The same graph run on the backend directly, as the reference stream.
  stream_log direct{backend, "direct"};
  auto direct_id = submit(backend, loaded_prompt("direct_in.png", "direct"), "direct");
  direct.read_until([&](stream_log& l) { return l.ended(direct_id); });
  check_one_stream(direct, direct_id, "execution_success");

  stream_log log{farm, "c1"};
  auto id = submit(farm, loaded_prompt("bridge_in.png", "bridged"), "c1");
  log.read_until([&](stream_log& l) { return l.ended(id); });
  check_one_stream(log, id, "execution_success");
  CHECK(sequence_of(log.messages(id)) == sequence_of(direct.messages(direct_id)));

  // The output is in the farm's store, byte for byte what the backend wrote.
  auto history = json::parse(farm.get("/history/" + id).body);
  REQUIRE(history[id]["status"]["status_str"] == "success");
  auto image = history[id]["outputs"]["3"]["images"][0];
  CHECK(image["filename"] == "bridged_00001_.png");
  CHECK(image["type"] == "output");
  auto ours = farm.get("/view?filename=bridged_00001_.png&type=output");
  auto theirs = backend.get("/view?filename=bridged_00001_.png&type=output");
  REQUIRE(ours.status == 200);
  REQUIRE(theirs.status == 200);
  CHECK(ours.body == theirs.body);

  // The backend loaded the farm's upload, not a file of its own.
  auto loaded = worker::decode_png(ours.body);
  REQUIRE(loaded.has_value());
  auto original = worker::decode_png(test_png(3, 2, 40));
  CHECK(loaded.value().image.data == original.value().image.data);

  // A farm output, named as ComfyUI names one, is what the backend loads.
  auto again_id =
      submit(farm, loaded_prompt("bridged_00001_.png [output]", "again"), "c1");
  log.read_until([&](stream_log& l) { return l.ended(again_id); });
  check_one_stream(log, again_id, "execution_success");
  auto again = farm.get("/view?filename=again_00001_.png&type=output");
  REQUIRE(again.status == 200);
  auto reloaded = worker::decode_png(again.body);
  REQUIRE(reloaded.has_value());
  CHECK(reloaded.value().image.data == original.value().image.data);
  // It came from the farm's store, into the backend's input folder.
  auto uploaded =
      backend.get("/view?filename=bridged_00001_.png&subfolder=drover_output&type=input");
  REQUIRE(uploaded.status == 200);
  CHECK(uploaded.body == ours.body);

  // A native prompt still runs on the farm's own worker.
  auto native_id =
      submit(farm,
             {{"1", node("EmptyImage",
                         {{"width", 8}, {"height", 8}, {"batch_size", 1}, {"color", 0}})},
              {"2", node("PreviewImage", {{"images", json::array({"1", 0})}})}},
             "c1");
  log.read_until([&](stream_log& l) { return l.ended(native_id); });
  check_one_stream(log, native_id, "execution_success");
}

/// Every frame a client gets while `prompt` runs, one line each: a text
/// message's type and node, a binary frame's type. Ends at the prompt's
/// `executing {node: null}`.
std::vector<std::string> frames_of_run(farm_fixture& farm, const json& prompt) {
  auto ws = farm.connect_ws("frames");
  REQUIRE(next_frame(ws, std::chrono::seconds{30}).has_value());  // status
  auto id = submit(farm, prompt, "frames");
  std::vector<std::string> lines;
  for (;;) {
    auto frame = next_frame(ws, std::chrono::seconds{30});
    REQUIRE_MESSAGE(frame.has_value(), "no WebSocket frame within 30 s");
    if (!frame->text) {
      REQUIRE(frame->data.size() >= 4);
      lines.push_back("binary " + std::to_string(static_cast<int>(frame->data[3])));
      continue;
    }
    auto message = json::parse(frame->data);
    const auto& data = message["data"];
    if (message["type"] == "status") {
      continue;
    }
    std::string line = message["type"];
    if (data.contains("node")) {
      line += " node=" + data["node"].dump();
    }
    lines.push_back(line);
    if (message["type"] == "executing" && data["node"].is_null() &&
        data["prompt_id"] == id) {
      return lines;
    }
  }
}

TEST_CASE("a backend node's previews, messages and ui reach the client in order") {
  worker::testing::pack_folder packs;
  packs.add(DROVER_EXAMPLE_PACK, "example.so");
  auto layout = backend_layout();
  layout.worker_args = {{"--node-packs", packs.path()}};
  farm_fixture backend{layout};
  farm_fixture farm{bridged_layout({&backend})};

  auto example = [](int preview_size) {
    return json{{"1", node("ExampleProgressNode",
                           {{"steps", 3}, {"preview_size", preview_size}})}};
  };
  auto direct = frames_of_run(backend, example(16));
  auto bridged = frames_of_run(farm, example(17));
  CHECK(bridged == direct);
  CHECK(std::count(bridged.begin(), bridged.end(), "binary 1") == 3);
  CHECK(std::count(bridged.begin(), bridged.end(), "example.client_note") == 1);
}

TEST_CASE("a class only the backend has is placed only on the bridged worker") {
  farm_fixture backend{backend_layout()};
  farm_fixture farm{bridged_layout({&backend}, 2)};
  stream_log log{farm, "c1"};
  std::vector<std::string> ids;
  for (int tag = 0; tag < 3; ++tag) {
    ids.push_back(submit(farm, slow_prompt(0.1, tag), "c1"));
  }
  log.read_until([&](stream_log& l) { return l.all_ended(ids); });
  auto backend_history = json::parse(backend.get("/history").body);
  for (const auto& id : ids) {
    check_one_stream(log, id, "execution_success");
    // The backend ran it under the farm's prompt id.
    CHECK(backend_history.contains(id));
  }
}

/// The backend of `backends` that runs `prompt_id` now; nullptr when none.
farm_fixture* running_on(const std::vector<farm_fixture*>& backends,
                         const std::string& prompt_id) {
  for (auto* backend : backends) {
    auto queue = json::parse(backend->get("/queue").body);
    for (const auto& entry : queue["queue_running"]) {
      if (entry.size() > 1 && entry[1] == prompt_id) {
        return backend;
      }
    }
  }
  return nullptr;
}

TEST_CASE("a backend killed mid-prompt: the prompt completes on another, one stream") {
  farm_fixture first{backend_layout()};
  farm_fixture second{backend_layout()};
  std::vector<farm_fixture*> backends{&first, &second};
  farm_fixture farm{bridged_layout(backends)};
  stream_log log{farm, "c1"};
  auto id = submit(farm, slow_prompt(2.0, 0), "c1");
  log.read_until([&](stream_log& l) { return l.count(id, "progress") > 0; });

  auto* victim = running_on(backends, id);
  REQUIRE(victim != nullptr);
  victim->farm().gateway().send_signal(SIGKILL);
  log.read_until([&](stream_log& l) { return l.ended(id); });

  check_one_stream(log, id, "execution_success");
  auto history = json::parse(farm.get("/history/" + id).body);
  CHECK(history[id]["status"]["status_str"] == "success");
  auto* survivor = victim == &first ? &second : &first;
  CHECK(json::parse(survivor->get("/history").body).contains(id));
  auto status = json::parse(farm.get("/drover/status").body);
  REQUIRE_FALSE(status["recent_failures"].empty());
}

TEST_CASE("a worker with two backends runs a prompt on each at once") {
  farm_fixture first{backend_layout()};
  farm_fixture second{backend_layout()};
  auto list = std::filesystem::path{first.data_dir()} / "backends.txt";
  {
    std::ofstream out{list};
    out << "# the GPUs of this host\n\n";
    for (auto* backend : {&first, &second}) {
      out << "  comfyui=http://" << backend->host() << ":" << backend->port() << "\n";
    }
  }
  cli::local_farm_options layout;
  layout.workers = 1;
  layout.worker_args = {{"--backend-file", list.string()}};
  farm_fixture farm{layout};

  // Both GPUs are the farm's.
  auto stats = json::parse(farm.get("/system_stats").body);
  CHECK(stats["devices"].size() == 2);

  stream_log log{farm, "c1"};
  std::vector<std::string> ids{submit(farm, slow_prompt(1.0, 3), "c1"),
                               submit(farm, slow_prompt(1.0, 4), "c1")};
  log.read_until([&](stream_log& l) { return l.all_ended(ids); });
  for (const auto& id : ids) {
    check_one_stream(log, id, "execution_success");
  }
  // One on each backend: the worker had a slot for each.
  auto on_first = json::parse(first.get("/history").body);
  auto on_second = json::parse(second.get("/history").body);
  CHECK(on_first.size() == 1);
  CHECK(on_second.size() == 1);
  CHECK(on_first.contains(ids[0]) != on_second.contains(ids[0]));
}

TEST_CASE("a prompt sent while the backend restarts waits and runs once it is back") {
  farm_fixture backend{backend_layout()};
  farm_fixture farm{bridged_layout({&backend})};
  backend.farm().gateway().send_signal(SIGKILL);

  // The farm still takes the prompt: its worker offered the class before.
  stream_log log{farm, "c1"};
  auto id = submit(farm, slow_prompt(0.1, 2), "c1");
  REQUIRE(backend.farm().restart_gateway().has_value());
  log.read_until([&](stream_log& l) { return l.ended(id); });
  check_one_stream(log, id, "execution_success");
  CHECK(json::parse(backend.get("/history").body).contains(id));
}

TEST_CASE("an interrupt reaches the backend that runs the prompt") {
  farm_fixture backend{backend_layout()};
  farm_fixture farm{bridged_layout({&backend})};
  stream_log log{farm, "c1"};
  auto id = submit(farm, slow_prompt(20.0, 1), "c1");
  log.read_until([&](stream_log& l) { return l.count(id, "progress") > 0; });

  CHECK(farm.post("/interrupt", json{{"prompt_id", id}}.dump()).status == 200);
  log.read_until([&](stream_log& l) { return l.ended(id); });
  check_one_stream(log, id, "execution_interrupted");

  // The backend's own record of the prompt ends interrupted too.
  auto history = json::parse(backend.get("/history/" + id).body);
  REQUIRE(history.contains(id));
  bool interrupted = false;
  for (const auto& message : history[id]["status"]["messages"]) {
    interrupted = interrupted || message[0] == "execution_interrupted";
  }
  CHECK(interrupted);
}

}  // namespace
}  // namespace drover::test
