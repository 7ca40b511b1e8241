// Scenario: a person runs `drover submit` against a real farm of separate
// processes: workflows go in, PNG files come out, and the exit code tells a
// pipeline whether every prompt succeeded.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdlib.h>
#include <sys/wait.h>
#include <thread>

#include <doctest/doctest.h>

#include "tests/farm/farm_fixture.hpp"
#include "worker/png_codec.hpp"

namespace drover::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string workflow(const std::string& name) {
  return std::string{DROVER_TEST_DATA_DIR} + "/workflows/" + name;
}

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
  }
  return out + "'";
}

std::string read_file(const fs::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// `drover submit` running as a child process; its stdout and stderr go to
/// a file in a fresh folder, next to its --out folder.
class submit_process {
 public:
  submit_process(farm_fixture& fixture, const std::vector<std::string>& args) {
    std::string pattern = (fs::temp_directory_path() / "drover-submit-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    std::string command = "exec " + quoted(DROVER_BINARY) + " submit --url " +
                          quoted(fixture.farm().url()) + " --out " + quoted(out_dir());
    for (const auto& arg : args) {
      command += " " + quoted(arg);
    }
    command += " > " + quoted((dir_ / "output.txt").string()) + " 2>&1";
    auto child = cli::child_process::spawn({"/bin/sh", "-c", command});
    REQUIRE_MESSAGE(child.has_value(), actors::describe(child.error()));
    child_.emplace(std::move(child.value()));
  }

  ~submit_process() {
    child_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string out_dir() const { return (dir_ / "out").string(); }
  std::string output() const { return read_file(dir_ / "output.txt"); }
  cli::child_process& child() { return *child_; }

  /// The exit code once the process ends; fails the test after `limit`.
  int wait_exit(seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto status = child_->poll_exit()) {
        REQUIRE_MESSAGE(WIFEXITED(*status), cli::describe_exit(*status));
        return WEXITSTATUS(*status);
      }
      std::this_thread::sleep_for(milliseconds{20});  // no blocking wait on the child
    }
    FAIL("drover submit did not end in time; output:\n" << output());
    return -1;
  }

  /// Waits until the output holds `count` lines containing `needle`.
  void wait_for_lines(const std::string& needle, std::size_t count, seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (lines_with(needle).size() >= count) {
        return;
      }
      std::this_thread::sleep_for(milliseconds{20});
    }
    FAIL("no " << count << " lines with " << needle << "; output:\n" << output());
  }

  std::vector<json> lines_with(const std::string& needle) const {
    std::vector<json> lines;
    std::istringstream text{output()};
    for (std::string line; std::getline(text, line);) {
      if (line.find(needle) != std::string::npos) {
        auto parsed = json::parse(line, nullptr, false);
        lines.push_back(parsed.is_discarded() ? json(line) : parsed);
      }
    }
    return lines;
  }

  /// The files in the out folder, by name.
  std::map<std::string, std::string> outputs() const {
    std::map<std::string, std::string> files;
    if (!fs::exists(out_dir())) {
      return files;
    }
    for (const auto& entry : fs::directory_iterator{out_dir()}) {
      files[entry.path().filename().string()] = read_file(entry.path());
    }
    return files;
  }

 private:
  fs::path dir_;
  std::optional<cli::child_process> child_;
};

std::set<std::string> queued_ids(const json& queue) {
  std::set<std::string> ids;
  for (const char* key : {"queue_running", "queue_pending"}) {
    for (const auto& item : queue[key]) {
      ids.insert(item[1].get<std::string>());
    }
  }
  return ids;
}

TEST_CASE("an API-format and an editor-format workflow run and their PNGs are saved") {
  farm_fixture fixture{2};
  submit_process submit{fixture,
                        {workflow("color_api.json"), workflow("editor_graph.json")}};
  REQUIRE_MESSAGE(submit.wait_exit(seconds{60}) == 0, submit.output());

  auto files = submit.outputs();
  REQUIRE_MESSAGE(files.size() == 2, submit.output());
  std::set<std::pair<std::uint32_t, std::uint32_t>> sizes;
  for (const auto& [name, bytes] : files) {
    auto png = worker::decode_png(bytes);
    REQUIRE_MESSAGE(png.has_value(), name);
    sizes.insert({png.value().image.width, png.value().image.height});
    CHECK(submit.output().find(name) != std::string::npos);  // listed in the summary
  }
  // 16x16 from the API file, 32x24 from the editor file.
  CHECK(sizes == std::set<std::pair<std::uint32_t, std::uint32_t>>{{16, 16}, {32, 24}});
}

TEST_CASE("a batch of 50 varied prompts completes with 50 distinct outputs") {
  farm_fixture fixture{2};
  submit_process submit{
      fixture,
      {"--json", "--repeat", "50", "--vary", "Canvas.color", workflow("color_api.json")}};
  REQUIRE_MESSAGE(submit.wait_exit(seconds{120}) == 0, submit.output());

  auto files = submit.outputs();
  CHECK(files.size() == 50);
  std::set<std::string> contents;
  for (const auto& entry : files) {
    contents.insert(entry.second);
  }
  CHECK(contents.size() == 50);
  auto summary = submit.lines_with("\"summary\"");
  REQUIRE(summary.size() == 1);
  CHECK(summary[0]["done"] == 50);
  CHECK(summary[0]["failed"] == 0);
}

TEST_CASE("submitting the same batch again queues nothing twice and saves its outputs") {
  farm_fixture fixture{2};
  const std::vector<std::string> args{
      "--json", "--repeat", "3", "--vary", "Canvas.color", workflow("color_api.json")};
  submit_process first{fixture, args};
  REQUIRE_MESSAGE(first.wait_exit(seconds{60}) == 0, first.output());
  submit_process again{fixture, args};
  REQUIRE_MESSAGE(again.wait_exit(seconds{60}) == 0, again.output());

  auto history = json::parse(fixture.get("/history").body);
  CHECK(history.size() == 3);
  CHECK(again.outputs() == first.outputs());
}

TEST_CASE("--no-wait prints only the batch's prompt ids and leaves the prompts queued") {
  farm_fixture fixture{1, true};
  submit_process submit{fixture,
                        {"--no-wait", "--repeat", "2", "--vary", "Canvas.color", "--set",
                         "Sleep.seconds=2", workflow("sleep_api.json")}};
  REQUIRE_MESSAGE(submit.wait_exit(seconds{60}) == 0, submit.output());

  std::istringstream lines{submit.output()};
  std::vector<std::string> ids;
  for (std::string line; std::getline(lines, line);) {
    ids.push_back(line);
  }
  REQUIRE_MESSAGE(ids.size() == 2, submit.output());
  auto queued = queued_ids(json::parse(fixture.get("/queue").body));
  for (const auto& id : ids) {
    CHECK(id.size() == 36);
    CHECK(queued.count(id) == 1);
  }
  CHECK(submit.outputs().empty());
}

TEST_CASE("a batch with one failing prompt exits non-zero and names the failure") {
  farm_fixture fixture{2, true};
  submit_process submit{fixture,
                        {workflow("color_api.json"), workflow("error_api.json")}};
  CHECK(submit.wait_exit(seconds{60}) == 1);

  const auto output = submit.output();
  CHECK_MESSAGE(output.find("node 2 (TestSyncError) RuntimeError: Intentional sync "
                            "execution error") != std::string::npos,
                output);
  CHECK(output.find("1 done, 1 failed") != std::string::npos);
  CHECK(submit.outputs().size() == 1);
}

TEST_CASE("Ctrl-C deletes and interrupts the batch's prompts and only those") {
  farm_fixture fixture{1, true};
  submit_process submit{fixture,
                        {"--json", "--repeat", "4", "--vary", "Canvas.color", "--set",
                         "Sleep.seconds=3", workflow("sleep_api.json")}};
  // Every prompt of the batch is queued; the first runs for 3 s.
  submit.wait_for_lines("\"queued\"", 4, seconds{60});

  // Another client's prompt, queued behind the batch, must survive.
  auto other = load_json_file(workflow("color_api.json"));
  auto accepted =
      fixture.post_json("/prompt", {{"prompt", other}, {"client_id", "other"}}, 200);
  const std::string other_id = accepted["prompt_id"];

  submit.child().send_signal(SIGINT);
  CHECK(submit.wait_exit(seconds{30}) == 130);

  std::set<std::string> batch;
  for (const auto& line : submit.lines_with("\"queued\"")) {
    batch.insert(line["prompt_id"].get<std::string>());
  }
  CHECK(batch.size() == 4);
  auto queue = json::parse(fixture.get("/queue").body);
  for (const auto& id : queued_ids(queue)) {
    CHECK_MESSAGE(batch.count(id) == 0, "still queued or running: " << id);
  }
  // The other client's prompt is still queued, running or already done.
  auto history = json::parse(fixture.get("/history/" + other_id).body);
  CHECK((queued_ids(queue).count(other_id) == 1 || history.contains(other_id)));
}

TEST_CASE("a prompt of the batch that another client deletes fails as lost") {
  farm_fixture fixture{1, true};
  submit_process submit{fixture,
                        {"--json", "--repeat", "3", "--vary", "Canvas.color", "--set",
                         "Sleep.seconds=1", workflow("sleep_api.json")}};
  submit.wait_for_lines("\"queued\"", 3, seconds{60});
  const std::string last = submit.lines_with("\"queued\"").back()["prompt_id"];
  json remove = {{"delete", json::array({last})}};
  REQUIRE(fixture.post("/queue", remove.dump()).status == 200);

  CHECK(submit.wait_exit(seconds{60}) == 1);
  auto failed = submit.lines_with("\"event\":\"failed\"");
  REQUIRE_MESSAGE(failed.size() == 1, submit.output());
  CHECK(failed[0]["prompt_id"] == last);
  CHECK(failed[0]["exception_type"] == "lost");
  CHECK(submit.outputs().size() == 2);
}

TEST_CASE("a batch survives a gateway restart and still saves every output") {
  farm_fixture fixture{2, true};
  submit_process submit{fixture,
                        {"--json", "--repeat", "8", "--vary", "Canvas.color", "--set",
                         "Sleep.seconds=1", workflow("sleep_api.json")}};
  submit.wait_for_lines("\"saved\"", 1, seconds{60});
  auto restarted = fixture.farm().restart_gateway();
  REQUIRE_MESSAGE(restarted.has_value(), actors::describe(restarted.error()));

  REQUIRE_MESSAGE(submit.wait_exit(seconds{120}) == 0, submit.output());
  CHECK(submit.outputs().size() == 8);
  CHECK_MESSAGE(!submit.lines_with("\"reconnected\"").empty(), submit.output());
}

}  // namespace
}  // namespace drover::test
