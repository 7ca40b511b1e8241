#pragma once

#include <fstream>
#include <iterator>
#include <string>

#include <doctest/doctest.h>

namespace drover::worker {

/// The bytes of `path` under tests/data, which a record.py there wrote with
/// the reference implementation; the calling test stops when it is missing.
inline std::string recorded_data(const std::string& path) {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/" + path, std::ios::binary};
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>{in}, {}};
}

}  // namespace drover::worker
