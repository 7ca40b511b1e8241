#pragma once

// What the clients of a test farm saw over their WebSocket, by prompt, and
// the checks the farm tests make of it.

#include <map>
#include <string>
#include <vector>

#include "tests/farm/farm_fixture.hpp"

namespace drover::test {

/// The messages each prompt's client received, in order, by prompt id.
class stream_log {
 public:
  /// Connects a WebSocket to `fixture`'s gateway as `client_id`.
  stream_log(farm_fixture& fixture, const std::string& client_id);

  /// Reads frames until `done(*this)` holds; fails the test when the farm
  /// goes quiet for 30 s first.
  template <class Predicate>
  void read_until(Predicate done) {
    while (!done(*this)) {
      read_one();
    }
  }

  /// True once `executing` with node null arrived for `prompt_id`.
  bool ended(const std::string& prompt_id) const;
  bool all_ended(const std::vector<std::string>& ids) const;

  /// How many messages of `type` the prompt's client got.
  std::size_t count(const std::string& prompt_id, const std::string& type) const;

  const std::vector<json>& messages(const std::string& prompt_id) {
    return by_prompt_[prompt_id];
  }

 private:
  void read_one();

  ws_client ws_;
  std::map<std::string, std::vector<json>> by_prompt_;
};

/// POSTs `prompt` for client `client`; returns its id. Fails the test unless
/// the farm accepts it.
std::string submit(farm_fixture& fixture, const json& prompt, const std::string& client);

/// Checks that the prompt's client saw one valid ComfyUI sequence ending in
/// `terminal`: one execution_start, one terminal, no node executed twice,
/// `executing {node: null}` last.
void check_one_stream(stream_log& log, const std::string& prompt_id,
                      const std::string& terminal);

}  // namespace drover::test
