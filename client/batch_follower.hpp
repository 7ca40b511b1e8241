#pragma once

// Follows the prompts of one batch through the WebSocket messages of the
// client id that submitted them (docs: /work/shared comfyui-protocol §4.3),
// and through /history and /queue answers after a reconnect. A pure state
// machine: no sockets, no clock. Feeding a message twice, or a history
// entry that repeats what the socket said, changes nothing the second time.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "actors/json.hpp"

namespace drover::client {

enum class prompt_state { queued, running, done, failed };

/// "queued", "running", "done", "failed".
const char* to_string(prompt_state state);

/// One file a node produced, as /view names it.
struct output_file {
  std::string node;
  std::string filename;
  std::string subfolder;
  std::string type;  ///< output, temp or input

  bool operator<(const output_file& other) const {
    return std::tie(node, filename, subfolder, type) <
           std::tie(other.node, other.filename, other.subfolder, other.type);
  }
};

/// Why a prompt failed: from `execution_error`, or `execution_interrupted`
/// (exception_type "interrupted").
struct prompt_failure {
  std::string node_id;
  std::string node_type;
  std::string exception_type;
  std::string exception_message;
};

/// Where one prompt of the batch stands.
struct prompt_status {
  std::string prompt_id;
  prompt_state state = prompt_state::queued;
  std::string current_node;  ///< the node running now; empty between nodes
  double progress_value = 0;
  double progress_max = 0;
  std::string worker;  ///< who runs it, when the farm's status says (empty: unknown)
  std::vector<output_file> outputs;  ///< in the order they were announced
  std::optional<prompt_failure> failure;
};

/// What one fed message changed, in order; what a display prints and what
/// `drover submit` acts on (a new output is downloaded).
struct follow_event {
  enum class kind { started, node, progress, output, succeeded, failed } what;
  std::string prompt_id;
  std::size_t output_index = 0;  ///< for kind::output: index into outputs
};

/// Tracks the prompts of one batch. Messages about other prompts are
/// ignored. Not thread-safe.
class batch_follower {
 public:
  /// Follows `prompt_ids`, all queued.
  explicit batch_follower(const std::vector<std::string>& prompt_ids);

  /// One WebSocket text message, parsed. Malformed or foreign messages give
  /// no events.
  std::vector<follow_event> feed(const json& message);

  /// One WebSocket text frame; text that is not JSON gives no events.
  std::vector<follow_event> feed_text(const std::string& text);

  /// A GET /history/<prompt_id> answer: the prompt's outputs, and its end
  /// when it has ended. An empty answer ({}: not finished) changes nothing.
  std::vector<follow_event> feed_history(const std::string& prompt_id,
                                         const json& answer);

  /// A GET /queue answer: prompts of the batch that it lists running are
  /// marked running. Prompts it does not list keep their state (they may
  /// have ended: /history tells).
  std::vector<follow_event> feed_queue(const json& answer);

  /// A GET /drover/status answer (docs/status.md): each running prompt of
  /// the batch learns the name of the worker that runs it. Gives no events.
  void feed_farm_status(const json& status);

  /// The prompt's status; nullptr when it is not one of the batch.
  /// The farm refused to queue the prompt (POST /prompt answered an error):
  /// it fails with `failure`.
  std::vector<follow_event> refuse(const std::string& prompt_id, prompt_failure failure);

  const prompt_status* status(const std::string& prompt_id) const;
  /// The batch's prompts in the order given.
  std::vector<const prompt_status*> prompts() const;
  std::size_t count(prompt_state state) const;
  /// True once every prompt is done or failed.
  bool finished() const;

 private:
  prompt_status* find(const json& data);
  void start(prompt_status& p, std::vector<follow_event>& events);
  void add_outputs(prompt_status& p, const std::string& node, const json& output,
                   std::vector<follow_event>& events);
  void succeed(prompt_status& p, std::vector<follow_event>& events);
  void fail(prompt_status& p, prompt_failure failure, std::vector<follow_event>& events);

  std::vector<std::string> order_;
  std::map<std::string, prompt_status> prompts_;
  std::map<std::string, std::set<output_file>> seen_outputs_;
};

}  // namespace drover::client
