#include "actors/event_codec.hpp"

#include <random>

#include <doctest/doctest.h>

namespace drover::actors {
namespace {

event make_event(event_body body, std::uint64_t seq = 7) {
  event e;
  e.key = attempt_key{"5f0c2f3e-8d5e-4a36-9a8e-0d3cbbd3b2a1", 2, 3};
  e.seq = seq;
  e.timestamp_ms = 1796321624381;
  e.body = std::move(body);
  return e;
}

event round_trip(const event& e) {
  auto bytes = encode_event(e);
  auto decoded = decode_event(bytes.data(), bytes.size());
  REQUIRE_MESSAGE(decoded.has_value(), decoded.error().message);
  CHECK(decoded.value().key == e.key);
  CHECK(decoded.value().seq == e.seq);
  CHECK(decoded.value().timestamp_ms == e.timestamp_ms);
  CHECK(decoded.value().kind() == e.kind());
  return decoded.value();
}

TEST_CASE("every event kind survives a msgpack round trip") {
  SUBCASE("fragment_started keeps its cached node list") {
    auto out = round_trip(make_event(fragment_started{{"1", "2", "10.0.1"}}));
    CHECK(std::get<fragment_started>(out.body).cached_nodes ==
          std::vector<std::string>{"1", "2", "10.0.1"});
  }
  SUBCASE("node_started keeps an absent parent as empty") {
    auto out = round_trip(make_event(node_started{"4", "4", "", "4"}));
    const auto& body = std::get<node_started>(out.body);
    CHECK(body.node_id == "4");
    CHECK(body.display_node == "4");
    CHECK(body.parent_node.empty());
    CHECK(body.real_node == "4");
  }
  SUBCASE("node_started keeps a parent of an expanded node") {
    auto out = round_trip(make_event(node_started{"7.0.0.3", "7", "7", "7"}));
    CHECK(std::get<node_started>(out.body).parent_node == "7");
  }
  SUBCASE("node_progress keeps fractional values") {
    auto out = round_trip(make_event(node_progress{"3", 2.5, 20}));
    const auto& body = std::get<node_progress>(out.body);
    CHECK(body.value == 2.5);
    CHECK(body.max == 20);
    CHECK_FALSE(body.preview_follows);
    auto with_preview = round_trip(make_event(node_progress{"3", 1, 2, true}));
    CHECK(std::get<node_progress>(with_preview.body).preview_follows);
    CHECK_FALSE(std::get<node_progress>(with_preview.body).state_only);
    auto state_only = round_trip(make_event(node_progress{"3", 1, 2, false, true}));
    CHECK(std::get<node_progress>(state_only.body).state_only);
    CHECK_FALSE(std::get<node_progress>(state_only.body).preview_follows);
  }
  SUBCASE("node_output keeps the ui dictionary, big integers included") {
    json ui = json::parse(
        R"({"images":[{"filename":"a_00001_.png","subfolder":"","type":"output"}],
            "seed":[18446744073709551615], "neg":[-5], "f":[0.25], "n":[null]})");
    auto out = round_trip(make_event(node_output{"9", "9", ui}));
    CHECK(std::get<node_output>(out.body).ui == ui);
  }
  SUBCASE("node_finished") {
    auto out = round_trip(make_event(node_finished{"9"}));
    CHECK(std::get<node_finished>(out.body).node_id == "9");
  }
  SUBCASE("node_text keeps UTF-8 text") {
    auto out = round_trip(make_event(node_text{"2", "64x64 \xc3\xa9"}));
    CHECK(std::get<node_text>(out.body).text == "64x64 \xc3\xa9");
  }
  SUBCASE("node_preview keeps binary bytes, NUL included") {
    std::vector<std::uint8_t> image{0x89, 'P', 'N', 'G', 0, 0, 255};
    auto out = round_trip(make_event(node_preview{"2", "image/png", image}));
    CHECK(std::get<node_preview>(out.body).image == image);
    CHECK(std::get<node_preview>(out.body).image_type == "image/png");
  }
  SUBCASE("custom_message keeps its type, data and audience") {
    auto out = round_trip(
        make_event(custom_message{"display_component", json{{"node_id", "3"}}, false}));
    const auto& body = std::get<custom_message>(out.body);
    CHECK(body.type == "display_component");
    CHECK(body.data == json{{"node_id", "3"}});
    CHECK_FALSE(body.broadcast);
  }
  SUBCASE("fragment_ended keeps outcome and detail") {
    json detail = {{"node_id", "1"},
                   {"exception_type", "re.error"},
                   {"traceback", json::array({"line 1"})}};
    auto out = round_trip(make_event(fragment_ended{fragment_outcome::error, detail}));
    const auto& body = std::get<fragment_ended>(out.body);
    CHECK(body.outcome == fragment_outcome::error);
    CHECK(body.detail == detail);
  }
}

TEST_CASE("malformed event bytes are refused with a protocol error, never a crash") {
  SUBCASE("empty input") {
    auto decoded = decode_event("", 0);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().code == errc::protocol);
  }
  SUBCASE("a truncated event") {
    auto bytes = encode_event(make_event(node_output{"9", "9", json{{"a", 1}}}));
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
      auto decoded = decode_event(bytes.data(), cut);
      CHECK_FALSE(decoded.has_value());
    }
  }
  SUBCASE("an unknown kind") {
    auto bytes = encode_event(make_event(node_finished{"9"}));
    bytes[2] = 42;  // [0x98, version, kind, ...]
    auto decoded = decode_event(bytes.data(), bytes.size());
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().code == errc::protocol);
  }
  SUBCASE("random bytes") {
    std::mt19937 random{1234};
    auto bytes = encode_event(make_event(node_started{"4", "4", "", "4"}));
    for (int round = 0; round < 2000; ++round) {
      auto mutated = bytes;
      for (int flips = 0; flips < 3; ++flips) {
        mutated[random() % mutated.size()] = static_cast<char>(random());
      }
      auto decoded = decode_event(mutated.data(), mutated.size());
      if (decoded.has_value()) {
        // A flip may land on a field whose new value is still valid; the
        // decoded event must then be a well-formed one that encodes again.
        CHECK(decoded.value().kind() >= event_kind::fragment_started);
        CHECK(decoded.value().kind() <= event_kind::fragment_ended);
        CHECK_FALSE(encode_event(decoded.value()).empty());
      }
    }
  }
}

}  // namespace
}  // namespace drover::actors
