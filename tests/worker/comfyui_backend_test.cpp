// Naming the ComfyUI backends a worker drives (docs/backends.md).

#include "worker/comfyui_backend.hpp"

#include <cstdio>
#include <fstream>
#include <stdlib.h>
#include <unistd.h>

#include <doctest/doctest.h>

namespace drover::worker {
namespace {

/// A file of `text` in a fresh temporary folder; removed with the object.
struct temp_file {
  explicit temp_file(const std::string& text) {
    char pattern[] = "/tmp/drover-backends-XXXXXX";
    int fd = mkstemp(pattern);
    REQUIRE(fd >= 0);
    close(fd);
    path = pattern;
    std::ofstream{path} << text;
  }
  ~temp_file() { std::remove(path.c_str()); }
  std::string path;
};

TEST_CASE("a backend is named comfyui=URL") {
  auto backend = comfyui_backend::parse("comfyui=http://10.0.0.7:8188");
  REQUIRE(backend.has_value());
  CHECK(backend.value().url() == "http://10.0.0.7:8188");
  CHECK(backend.value().address().host == "10.0.0.7");
  CHECK(backend.value().address().port == 8188);

  for (const char* bad : {"http://10.0.0.7:8188", "a1111=http://h:1",
                          "comfyui=", "comfyui=http://h:1/some/path"}) {
    INFO(bad);
    auto refused = comfyui_backend::parse(bad);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == actors::errc::invalid_input);
  }
}

TEST_CASE("a backend file names one backend a line, with comments and blanks") {
  temp_file list{
      "# GPUs 0 and 1\n\n  comfyui=http://127.0.0.1:8188\t\n"
      "comfyui=http://127.0.0.1:8189\r\n"};
  auto backends = comfyui_backend::read_list(list.path);
  REQUIRE(backends.has_value());
  REQUIRE(backends.value().size() == 2);
  CHECK(backends.value()[0].address().port == 8188);
  CHECK(backends.value()[1].address().port == 8189);
}

TEST_CASE("a bad line of a backend file is refused with its number") {
  temp_file list{"comfyui=http://127.0.0.1:8188\nhttp://127.0.0.1:8189\n"};
  auto refused = comfyui_backend::read_list(list.path);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == actors::errc::invalid_input);
  CHECK(refused.error().message.find(list.path + ":2:") == 0);

  auto missing = comfyui_backend::read_list("/nonexistent/backends.txt");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == actors::errc::io_failure);
}

TEST_CASE("a backend that does not listen is unavailable, not a crash") {
  // Port 1 on loopback: nothing listens there on a test machine.
  auto backend = comfyui_backend::parse("comfyui=http://127.0.0.1:1");
  REQUIRE(backend.has_value());
  auto catalog = backend.value().object_info();
  REQUIRE_FALSE(catalog.has_value());
  CHECK(catalog.error().code == actors::errc::unavailable);
}

}  // namespace
}  // namespace drover::worker
