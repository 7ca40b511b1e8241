#pragma once
// Seams and reference data shared by the worker tests: an event sink that
// records, a file sink in memory, and the recorded ComfyUI sessions.

#include <fstream>
#include <initializer_list>
#include <iterator>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>

#include "actors/json.hpp"
#include "worker/event_sink.hpp"
#include "worker/file_sink.hpp"

namespace drover::worker::testing {

/// Records every event, numbered per attempt as the publisher numbers them.
class recording_sink final : public event_sink {
 public:
  std::uint64_t publish(const actors::attempt_key& key,
                        actors::event_body body) override {
    std::lock_guard lock{mutex_};
    auto& next = next_[std::make_tuple(key.prompt_id, key.fragment, key.attempt)];
    events.push_back(actors::event{key, next, 0, std::move(body)});
    return next++;
  }

  std::vector<actors::event> events;

 private:
  std::mutex mutex_;
  std::map<std::tuple<std::string, std::uint32_t, std::uint32_t>, std::uint64_t> next_;
};

/// Keeps files in memory; counters start at 1 per folder and prefix, as a
/// fresh result store's do.
class memory_files final : public file_sink {
 public:
  actors::result<std::uint64_t> reserve(const actors::store_file& folder,
                                        std::string_view prefix,
                                        std::uint32_t count) override {
    auto& next =
        counters_[folder.type + "/" + folder.subfolder + "/" + std::string{prefix}];
    if (next == 0) {
      next = 1;
    }
    auto first = next;
    next += count;
    return first;
  }

  actors::result<void> put(const actors::store_file& file,
                           std::string_view bytes) override {
    files[file.type + "/" + file.subfolder + "/" + file.filename] = std::string{bytes};
    return actors::ok();
  }

  actors::result<std::string> get(const actors::store_file& file) override {
    auto found = files.find(file.type + "/" + file.subfolder + "/" + file.filename);
    if (found == files.end()) {
      return actors::fail(actors::errc::not_found, "file not found: " + file.filename);
    }
    return found->second;
  }

  std::map<std::string, std::string> files;  ///< "type/subfolder/name" → bytes

 private:
  std::map<std::string, std::uint64_t> counters_;
};

/// The bytes of a picture of tests/data/load_image, which record.py wrote with
/// Pillow; empty when there is no such file, which no decoder reads.
inline std::string load_image_data(const std::string& name) {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/load_image/" + name,
                   std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

/// 300 damaged copies of `bytes`, the same for the same `seed`: each cut to a
/// random length past its first `keep` bytes, then with four bytes after the
/// first two set at random. A decoder must give each an error or a whole
/// picture.
inline std::vector<std::string> damaged_copies(const std::string& bytes, std::size_t keep,
                                               unsigned seed) {
  std::mt19937 random{seed};
  std::vector<std::string> out;
  for (int round = 0; round < 300; ++round) {
    auto damaged = bytes.substr(0, keep + random() % (bytes.size() - keep));
    for (int flips = 0; flips < 4; ++flips) {
      damaged[2 + random() % (damaged.size() - 2)] = static_cast<char>(random());
    }
    out.push_back(std::move(damaged));
  }
  return out;
}

/// Decodes damaged copies (damaged_copies with `keep` and `seed`) of each
/// picture of tests/data/load_image named in `names` with each of
/// `decoders` (called as decode(bytes, max_pixels)); each must give an error
/// or a whole picture whose bytes match its size.
template <typename decoder>
void check_hostile_copies(std::initializer_list<const char*> names,
                          std::initializer_list<decoder> decoders, std::size_t keep,
                          unsigned seed) {
  for (const char* name : names) {
    CAPTURE(name);
    auto bytes = load_image_data(name);
    REQUIRE(bytes.size() > keep);
    for (const auto& damaged : damaged_copies(bytes, keep, seed)) {
      for (auto decode : decoders) {
        auto decoded = decode(damaged, 1 << 20);
        if (decoded) {
          const auto& p = decoded.value();
          CHECK(p.data.size() == std::size_t{p.width} * p.height * p.channels);
        }
      }
    }
  }
}

/// The lines of a recorded session in tests/data/comfyui-v0.8.0.
inline std::vector<json> load_trace(const std::string& name) {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/comfyui-v0.8.0/" + name};
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      lines.push_back(json::parse(line));
    }
  }
  return lines;
}

/// The `prompt` of every POST /prompt the session made, in order.
inline std::vector<json> submitted_prompts(const std::vector<json>& trace) {
  std::vector<json> prompts;
  for (const auto& line : trace) {
    if (line.value("method", "") == "POST" && line.value("path", "") == "/prompt" &&
        line["req"].is_object() && line["req"].contains("prompt")) {
      prompts.push_back(line["req"]["prompt"]);
    }
  }
  return prompts;
}

/// One recorded execution as the worker events it implies: the nodes of
/// execution_cached, and per node `started`, `output` or `finished`, taken
/// from `executing`, `executed` and the nodes `progress_state` newly marks
/// finished.
struct recorded_run {
  std::vector<std::string> cached;
  std::vector<std::string> steps;  ///< "started 1", "output 5", "finished 5"
};

inline std::vector<recorded_run> recorded_runs(const std::vector<json>& trace) {
  std::vector<recorded_run> runs;
  json previous = json::object();
  for (const auto& line : trace) {
    if (line.value("src", "") != "ws" || !line.contains("msg")) {
      continue;
    }
    const auto& msg = line["msg"];
    auto type = msg.value("type", "");
    const auto& data = msg["data"];
    if (type == "execution_start") {
      runs.emplace_back();
      previous = json::object();
    } else if (runs.empty()) {
      continue;
    } else if (type == "execution_cached") {
      runs.back().cached = data["nodes"].get<std::vector<std::string>>();
    } else if (type == "executing" && data["node"].is_string()) {
      runs.back().steps.push_back("started " + data["node"].get<std::string>());
    } else if (type == "executed") {
      runs.back().steps.push_back("output " + data["node"].get<std::string>());
    } else if (type == "progress_state") {
      json now = json::object();
      for (const auto& [node, entry] : data["nodes"].items()) {
        now[node] = entry["state"];
        if (entry["state"] == "finished" && previous.value(node, "") != "finished") {
          runs.back().steps.push_back("finished " + node);
        }
      }
      previous = now;
    }
  }
  return runs;
}

}  // namespace drover::worker::testing
