#include "worker/exif.hpp"

#include <doctest/doctest.h>

namespace drover::worker {
namespace {

const std::string marker_and_header{"Exif\0\0MM\0\x2a\0\0\0\x08", 14};

TEST_CASE("no entries give the empty directory Pillow writes") {
  CHECK(encode_exif({}) == marker_and_header + std::string{"\0\0\0\0\0\0", 6});
}

TEST_CASE("entries are sorted by tag, short texts inline, long ones after, padded") {
  // Directory at 8: 2 + 3 * 12 + 4 bytes, so the first text lands at 50.
  auto exif = encode_exif({{0x0110, "abc"}, {0x010F, "hello"}, {0x010E, "odd!"}});
  const std::string expected =
      marker_and_header + std::string{"\0\x03", 2} +
      std::string{"\x01\x0e\0\x02\0\0\0\x05\0\0\0\x32", 12} +  // "odd!\0" at 50
      std::string{"\x01\x0f\0\x02\0\0\0\x06\0\0\0\x38", 12} +  // "hello\0" at 56
      std::string{
          "\x01\x10\0\x02\0\0\0\x04"
          "abc\0",
          12} +  // fits in the entry
      std::string{"\0\0\0\0", 4} +
      std::string{"odd!\0\0hello\0", 12};
  CHECK(exif == expected);
}

TEST_CASE("characters outside ASCII become one question mark each") {
  auto exif = encode_exif({{0x010F, "caf\xc3\xa9 \xe2\x82\xac"}});
  CHECK(exif.substr(exif.size() - 8) == std::string{"caf? ?\0\0", 8});
  CHECK(exif[14 + 2 + 7] == 7);  // "caf? ?" and its NUL
}

}  // namespace
}  // namespace drover::worker
