// Events evicted from a worker's memory wait on disk for late replays
// (docs/events.md §3), within their own byte bound.

#include "worker/event_spill.hpp"

#include <filesystem>
#include <stdlib.h>

#include <doctest/doctest.h>

#include "worker/event_archive.hpp"

namespace drover::worker {
namespace {

/// A fresh folder under the temporary folder, removed with the object.
struct temp_folder {
  temp_folder() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "drover-spill-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~temp_folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::size_t files() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator{path}) {
      ++n;
    }
    return n;
  }
  std::string path;
};

actors::attempt_key key_of(int i) {
  return {"prompt-" + std::to_string(i), 0, 0};
}

/// Adds attempt `i`: `count` events of 100 bytes, the last one ending it.
void add_attempt(event_archive& archive, int i, int count) {
  for (int seq = 0; seq < count; ++seq) {
    archive.add(key_of(i), seq, std::string(100, static_cast<char>('a' + seq % 26)),
                seq + 1 == count);
  }
}

TEST_CASE("attempts evicted past the byte bound are replayed from the spill") {
  temp_folder dir;
  auto spill = event_spill::open(dir.path + "/spill", 1 << 20);
  event_archive archive{64, 1000, spill.get()};
  for (int i = 0; i < 5; ++i) {
    add_attempt(archive, i, 6);  // 600 bytes: each new attempt evicts the last
  }
  CHECK(archive.attempts() == 1);
  CHECK(spill->attempts() == 4);

  auto old = archive.from(key_of(1), 2);
  CHECK(old.known);
  CHECK(old.complete);
  REQUIRE(old.events.size() == 4);
  CHECK(old.events[0] == std::string(100, 'c'));
  CHECK(archive.from(key_of(4), 0).events.size() == 6);  // still in memory
  CHECK_FALSE(archive.from(key_of(9), 0).known);
}

TEST_CASE(
    "the spill drops its oldest attempts past its own bound, and its files go "
    "with it") {
  temp_folder dir;
  {
    auto spill = event_spill::open(dir.path, 1300);  // two attempts of 624 bytes
    event_archive archive{64, 1000, spill.get()};
    for (int i = 0; i < 5; ++i) {
      add_attempt(archive, i, 6);
    }
    CHECK(spill->attempts() == 2);
    CHECK(spill->bytes() <= 1300);
    CHECK(dir.files() == 2);
    CHECK_FALSE(archive.from(key_of(0), 0).known);
    CHECK(archive.from(key_of(2), 0).known);
  }
  CHECK(dir.files() == 0);
}

TEST_CASE("attempts evicted only by their count are not spilled") {
  temp_folder dir;
  auto spill = event_spill::open(dir.path + "/unused", 1 << 20);
  event_archive archive{2, 1 << 20, spill.get()};
  for (int i = 0; i < 5; ++i) {
    add_attempt(archive, i, 1);
  }
  CHECK(archive.attempts() == 2);
  CHECK(spill->attempts() == 0);
  CHECK_FALSE(std::filesystem::exists(dir.path + "/unused"));  // never made
}

TEST_CASE("a spill folder that cannot be made loses the attempts, nothing more") {
  auto spill = event_spill::open("/proc/drover-cannot-be-here", 1 << 20);
  event_archive archive{64, 1000, spill.get()};
  for (int i = 0; i < 3; ++i) {
    add_attempt(archive, i, 6);
  }
  CHECK(spill->attempts() == 0);
  CHECK_FALSE(archive.from(key_of(0), 0).known);
  CHECK(archive.from(key_of(2), 0).known);
}

}  // namespace
}  // namespace drover::worker
