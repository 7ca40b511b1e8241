#include "gateway/progress_table.hpp"

#include <doctest/doctest.h>

#include "actors/json.hpp"
#include "gateway/client_message.hpp"

namespace drover::gateway {
namespace {

/// The progress_state data as one document, built field by field: what the
/// table's cached text must equal byte for byte.
json document(const std::string& prompt_id,
              const std::vector<node_progress_entry>& entries) {
  json nodes = json::object();
  for (const auto& e : entries) {
    json body = json::object();
    body["value"] = e.value;
    body["max"] = e.max;
    body["state"] = e.finished ? "finished" : "running";
    body["node_id"] = e.node_id;
    body["prompt_id"] = prompt_id;
    body["display_node_id"] = e.display_node_id;
    body["parent_node_id"] = e.parent_node_id ? json(*e.parent_node_id) : json(nullptr);
    body["real_node_id"] = e.real_node_id;
    nodes[e.node_id] = body;
  }
  return json{{"prompt_id", prompt_id}, {"nodes", nodes}};
}

TEST_CASE("progress_state text equals the dumped document after every change") {
  const std::string prompt_id = "p-\"quoted\"-é";
  progress_table table{prompt_id};
  CHECK(table.data_text() ==
        dump_json(json{{"prompt_id", prompt_id}, {"nodes", json::object()}}));

  auto& first = table.entry("3", "");
  CHECK(first.display_node_id == "3");
  CHECK(table.data_text() == dump_json(document(prompt_id, {first})));

  auto& second = table.entry("7.1", "7");
  second.parent_node_id = "7";
  second.real_node_id = "1";
  second.value = 2.5;
  second.max = 1e21;
  auto before = table.data_text();
  CHECK(before == dump_json(document(prompt_id, {table.entry("3", ""), second})));

  // Changing one entry through `entry` makes its text again; the other keeps
  // its cached form, and node order stays the order of first appearance.
  for (int i = 1; i <= 3; ++i) {
    auto& progressing = table.entry("3", "");
    progressing.value = i;
    progressing.max = 3;
  }
  table.entry("3", "").finished = true;
  // A node started again under another parent: its ids change after they
  // were sent once.
  table.entry("7.1", "7").parent_node_id.reset();
  table.entry("7.1", "7").real_node_id = "7.1";
  auto after = table.data_text();
  CHECK(after != before);
  auto expected = document(prompt_id, {table.entry("3", ""), table.entry("7.1", "7")});
  CHECK(after == dump_json(expected));
  CHECK(after.find(R"("3":{"value":3.0,"max":3.0,"state":"finished")") !=
        std::string::npos);
}

TEST_CASE("the running node's progress is found by its display id, latest first") {
  progress_table table{"p"};
  table.entry("5", "").value = 1;
  table.entry("5.2", "5").value = 4;
  REQUIRE(table.find_display("5") != nullptr);
  CHECK(table.find_display("5")->node_id == "5.2");
  CHECK(table.find_display("9") == nullptr);
}

}  // namespace
}  // namespace drover::gateway
