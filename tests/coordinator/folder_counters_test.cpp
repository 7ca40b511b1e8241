#include "coordinator/folder_counters.hpp"

#include <chrono>
#include <fstream>

#include <doctest/doctest.h>

#include "tests/coordinator/temp_dir.hpp"

namespace drover::coordinator {
namespace {

namespace fs = std::filesystem;

void touch(const fs::path& path) {
  std::ofstream{path} << "x";
}

/// Moves the folder's modification time on, as a change by another program
/// some milliseconds later would (the clock behind it is coarse).
void age(const fs::path& dir) {
  fs::last_write_time(dir, fs::last_write_time(dir) + std::chrono::seconds{1});
}

TEST_CASE("a counter is read as ComfyUI's save path reads it") {
  CHECK(counter_of("ComfyUI_00012_.png", "ComfyUI") == 12);
  CHECK(counter_of("a_b_00003_.png", "a_b") == 3);
  CHECK_FALSE(counter_of("a_b_00003_.png", "a").has_value());
  CHECK_FALSE(counter_of("ComfyUI_00012.png", "ComfyUI").has_value());
  CHECK_FALSE(counter_of("ComfyUI__.png", "ComfyUI").has_value());
  CHECK_FALSE(counter_of("Other_00001_.png", "ComfyUI").has_value());
}

TEST_CASE("the highest counter of each prefix comes from one listing") {
  test::temp_dir dir;
  for (const char* name : {"ComfyUI_00002_.png", "ComfyUI_00010_.png", "a_b_00007_.png",
                           "a_00001_x_.png", "notes.txt"}) {
    touch(dir.path() / name);
  }
  folder_counters counters;
  CHECK(counters.highest(dir.path(), "ComfyUI") == 10);
  CHECK(counters.highest(dir.path(), "a_b") == 7);
  CHECK(counters.highest(dir.path(), "a") == 1);
  CHECK(counters.highest(dir.path(), "missing") == 0);
  CHECK(counters.highest(dir.path() / "absent", "ComfyUI") == 0);
}

TEST_CASE("the store's own writes count without a new listing; others' are listed") {
  test::temp_dir dir;
  touch(dir.path() / "ComfyUI_00001_.png");
  folder_counters counters;
  REQUIRE(counters.highest(dir.path(), "ComfyUI") == 1);

  counters.before_write(dir.path());
  touch(dir.path() / "ComfyUI_00002_.png");
  age(dir.path());
  counters.wrote(dir.path(), "ComfyUI_00002_.png");
  CHECK(counters.highest(dir.path(), "ComfyUI") == 2);

  // Another program adds a file with a higher counter, then removes one.
  touch(dir.path() / "ComfyUI_00040_.png");
  age(dir.path());
  CHECK(counters.highest(dir.path(), "ComfyUI") == 40);
  fs::remove(dir.path() / "ComfyUI_00040_.png");
  age(dir.path());
  CHECK(counters.highest(dir.path(), "ComfyUI") == 2);

  // A change by someone else just before the store's write is not hidden by
  // that write.
  touch(dir.path() / "ComfyUI_00050_.png");
  age(dir.path());
  counters.before_write(dir.path());
  touch(dir.path() / "ComfyUI_00003_.png");
  age(dir.path());
  counters.wrote(dir.path(), "ComfyUI_00003_.png");
  CHECK(counters.highest(dir.path(), "ComfyUI") == 50);
}

}  // namespace
}  // namespace drover::coordinator
