#pragma once
// A fresh folder of node pack libraries for the loader tests: copies of the
// example pack and of the broken packs of tests/packs, as a worker started
// with `--node-packs DIR` finds them.

#include <filesystem>
#include <fstream>
#include <stdlib.h>
#include <string>
#include <system_error>
#include <vector>

#include <doctest/doctest.h>

namespace drover::worker::testing {

class pack_folder {
 public:
  pack_folder() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "drover-packs-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~pack_folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  pack_folder(const pack_folder&) = delete;
  pack_folder& operator=(const pack_folder&) = delete;

  /// Copies the library at `built` into the folder as `name`; returns its path.
  std::string add(const std::string& built, const std::string& name) {
    auto target = path_ / name;
    std::filesystem::copy_file(built, target);
    return target.string();
  }

  /// Writes `bytes` into the folder as `name`; returns its path.
  std::string write(const std::string& name, const std::string& bytes) {
    auto target = path_ / name;
    std::ofstream{target, std::ios::binary} << bytes;
    return target.string();
  }

  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace drover::worker::testing
