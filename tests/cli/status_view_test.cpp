#include "cli/status_view.hpp"

#include <doctest/doctest.h>

namespace drover::cli {

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The line of `text` that contains `part`, or "".
std::string line_with(const std::string& text, const std::string& part) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    auto line = text.substr(start, end == std::string::npos ? end : end - start);
    if (contains(line, part)) {
      return line;
    }
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
  return {};
}

const char* status_text = R"({
  "coordinator_id": "9fa7f0e6-1111-2222-3333-444455556666",
  "time_ms": 1796375473134, "retry_budget": 3,
  "queue": {"pending": 4, "running": 1},
  "workers": [
    {"worker_id": "a", "name": "gpu-box-1", "host": "render-07", "pid": 4723,
     "slots": 1, "busy": 1, "state": "busy", "completed": 28,
     "device": {"name": "cuda:0 NVIDIA H200", "vram_total": 107374182400,
                "vram_free": 53687091200},
     "running": [{"prompt_id": "d5ef6513-566a-49c9", "nodes": 4,
                  "progress": {"node": "7", "nodes_done": 2, "value": 5, "max": 20}}]},
    {"worker_id": "b", "name": "gpu-box-2", "host": "render-08", "pid": 99,
     "state": "idle", "completed": 3, "device": null, "running": []}],
  "recent_failures": [
    {"time_ms": 1796375410000, "worker_name": "gpu-box-3",
     "prompt_id": "77aa88bb-cc", "reason": "prompt lost: remote_link_unreachable"}],
  "recent_finished": []})";

}  // namespace

TEST_CASE("the status table shows each worker's host, GPU, memory, state and progress") {
  auto text = render_status(json::parse(status_text));
  CHECK(contains(text, "coordinator 9fa7f0e6 "));
  CHECK(contains(text, "queue: 4 pending, 1 running  retry budget 3"));

  auto busy = line_with(text, "gpu-box-1");
  CHECK(contains(busy, "render-07"));
  CHECK(contains(busy, "4723"));
  CHECK(contains(busy, "cuda:0 NVIDIA H200"));
  CHECK(contains(busy, "50.0/100.0 GiB free"));
  CHECK(contains(busy, "busy"));
  CHECK(contains(busy, "d5ef6513"));
  CHECK_FALSE(contains(busy, "d5ef6513-"));
  CHECK(contains(busy, "node 7 2/4 25%"));
  CHECK(contains(busy, "28"));

  auto idle = line_with(text, "gpu-box-2");
  CHECK(contains(idle, "idle"));
  CHECK(contains(idle, "  -  "));

  // Columns line up: every table row puts STATE at the same offset.
  auto header = line_with(text, "WORKER");
  CHECK(busy.find("busy") == header.find("STATE"));
  CHECK(idle.find("idle") == header.find("STATE"));

  auto failure = line_with(text, "gpu-box-3");
  CHECK(contains(failure, "prompt 77aa88bb"));
  CHECK(contains(failure, "prompt lost: remote_link_unreachable"));
}

TEST_CASE("a status of the wrong shape renders dashes instead of failing") {
  for (const char* odd : {"{}", "[]", "null", R"({"workers": 3, "queue": "x"})",
                          R"({"workers": [{"running": [{"progress": 1}]}, 7]})"}) {
    auto text = render_status(json::parse(odd));
    CHECK(contains(text, "WORKER"));
  }
  CHECK(contains(render_status(json::object()), "(no worker has joined)"));
}

}  // namespace drover::cli
