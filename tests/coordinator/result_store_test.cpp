#include "coordinator/result_store.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <doctest/doctest.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "actors/store_client.hpp"
#include "tests/coordinator/temp_dir.hpp"

namespace drover::coordinator {

namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream{path, std::ios::binary} << bytes;
}

std::size_t file_count(const fs::path& root) {
  std::size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    count += entry.is_regular_file() ? 1 : 0;
  }
  return count;
}

struct served_store {
  test::temp_dir dir;
  std::unique_ptr<result_store> store;
  zmq::context_t context;

  served_store() {
    store = std::move(result_store::start(root(), "127.0.0.1", 0).value());
  }
  std::string root() const { return (dir.path() / "files").string(); }
  std::string endpoint() const {
    return "tcp://127.0.0.1:" + std::to_string(store->port());
  }
  actors::store_client client() { return actors::store_client{context, endpoint()}; }
};

}  // namespace

TEST_CASE("reserve continues after the highest counter already in the folder") {
  served_store s;
  write_file(fs::path{s.root()} / "output/ComfyUI_00007_.png", "x");
  write_file(fs::path{s.root()} / "output/ComfyUI_00003_.png", "x");
  write_file(fs::path{s.root()} / "output/Other_00050_.png", "x");
  auto client = s.client();
  actors::store_file folder{"output", "", ""};
  CHECK(client.reserve(folder, "ComfyUI", 2).value() == 8);
  CHECK(client.reserve(folder, "ComfyUI", 1).value() == 10);
  CHECK(client.reserve(folder, "fresh", 1).value() == 1);
  CHECK(client.reserve({"temp", "a/b", ""}, "Other", 1).value() == 1);
}

TEST_CASE("concurrent reserves never hand out a counter twice") {
  served_store s;
  constexpr int threads = 4;
  constexpr int per_thread = 50;
  std::vector<std::vector<std::uint64_t>> got(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      actors::store_client client{s.context, s.endpoint()};
      for (int i = 0; i < per_thread; ++i) {
        auto first = client.reserve({"output", "", ""}, "race", 2);
        if (first) {
          got[t].push_back(first.value());
        }
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  std::set<std::uint64_t> counters;
  for (const auto& list : got) {
    CHECK(list.size() == per_thread);
    for (auto first : list) {
      counters.insert(first);
      counters.insert(first + 1);
    }
  }
  CHECK(counters.size() == threads * per_thread * 2);
  CHECK(*counters.begin() == 1);
}

TEST_CASE("a put file comes back from get, in nested folders") {
  served_store s;
  auto client = s.client();
  std::string bytes = std::string{"\x89PNG\r\n\x1a\n", 8} + std::string(100000, '\0');
  actors::store_file file{"output", "run/one", "img_00001_.png"};
  REQUIRE(client.put(file, bytes));
  CHECK(client.get(file).value() == bytes);
  CHECK(fs::file_size(fs::path{s.root()} / "output/run/one/img_00001_.png") ==
        bytes.size());
  REQUIRE(client.put(file, "replaced"));
  CHECK(client.get(file).value() == "replaced");
  CHECK(s.store->exists("output", "run/one/img_00001_.png"));

  auto missing = client.get({"output", "", "none.png"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == actors::errc::not_found);
}

TEST_CASE("the input folder lists its top-level files, sorted, as ComfyUI lists it") {
  served_store s;
  CHECK(s.store->list("input").value().empty());  // nothing uploaded yet

  auto client = s.client();
  for (const char* name : {"b.png", "a.png", ".hidden.png", "notes.txt", "Z.latent"}) {
    REQUIRE(client.put({"input", "", name}, "x"));
  }
  REQUIRE(client.put({"input", "sub", "deep.png"}, "x"));
  REQUIRE(client.put({"output", "", "elsewhere.png"}, "x"));
  const fs::path input = fs::path{s.root()} / "input";
  fs::create_directories(input / "folder.png");
  fs::create_symlink(input / "a.png", input / "link.png");
  fs::create_symlink(input / "gone.png", input / "dangling.png");
  // A file the store is still writing is not offered; a look-alike name is.
  write_file(input / ".c.png.tmp-123", "x");
  write_file(input / ".c.png.tmp-", "x");

  CHECK(s.store->list("input").value() ==
        std::vector<std::string>{".c.png.tmp-", ".hidden.png", "Z.latent", "a.png",
                                 "b.png", "link.png", "notes.txt"});
  CHECK(s.store->list("output").value() == std::vector<std::string>{"elsewhere.png"});
}

TEST_CASE("hostile names are refused and nothing is written") {
  served_store s;
  auto client = s.client();
  std::vector<actors::store_file> hostile = {{"output", "../outside", "x.png"},
                                             {"output", "/etc", "x.png"},
                                             {"output", "", "../x.png"},
                                             {"output", "a/../../b", "x.png"},
                                             {"secret", "", "x.png"},
                                             {"output", "a\\b", "x.png"},
                                             {"output", "", ""},
                                             {"output", "", std::string{"a\0b", 3}}};
  for (const auto& file : hostile) {
    INFO("subfolder=" << file.subfolder << " filename=" << file.filename);
    auto put = client.put(file, "evil");
    REQUIRE_FALSE(put);
    CHECK(put.error().code == actors::errc::invalid_input);
    CHECK_FALSE(client.get(file));
    CHECK_FALSE(client.reserve(file, "../x", 1));
  }
  CHECK(file_count(s.root()) == 0);
  CHECK_FALSE(fs::exists(s.dir.path() / "outside"));
}

TEST_CASE("malformed requests get an error or are dropped, and the store keeps serving") {
  served_store s;
  zmq::socket_t raw{s.context, zmq::socket_type::dealer};
  raw.set(zmq::sockopt::linger, 0);
  raw.connect(s.endpoint());
  // No usable id: dropped. Garbage msgpack: dropped. Unknown verb: an error reply.
  std::vector<std::vector<std::string>> requests = {
      {"get"}, {"get", "\xc1\xc1\xc1"}, {"get", "\x80"}, {"a", "b", "c", "d"}};
  for (const auto& parts : requests) {
    zmq::multipart_t message;
    for (const auto& part : parts) {
      message.addstr(part);
    }
    message.send(raw);
  }
  zmq::multipart_t unknown;
  unknown.addstr("launch");
  unknown.addstr(std::string{"\x81\xa2id\x07", 5});
  unknown.send(raw);
  zmq::multipart_t answer;
  REQUIRE(answer.recv(raw));
  CHECK(answer[0].to_string() == "error");

  auto client = s.client();
  REQUIRE(client.put({"input", "", "ok.png"}, "fine"));
  CHECK(client.get({"input", "", "ok.png"}).value() == "fine");
}

TEST_CASE("a taken port fails to start as a value") {
  served_store s;
  auto second = result_store::start(s.root(), "127.0.0.1", s.store->port());
  CHECK_FALSE(second);
}

}  // namespace drover::coordinator
