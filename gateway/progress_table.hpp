#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace drover::gateway {

/// One node's line in ComfyUI's `progress_state` message.
struct node_progress_entry {
  std::string node_id;
  std::string display_node_id;
  std::optional<std::string> parent_node_id;  ///< JSON null when absent
  std::string real_node_id;
  double value = 0.0;
  double max = 1.0;
  bool finished = false;  ///< `state`: "finished", else "running"
};

/// The `nodes` of one prompt's `progress_state`, in the order nodes first
/// appeared, with each entry's JSON text kept until the entry changes: a
/// node that reports progress thousands of times costs one entry's
/// serialisation per message, not the whole table's.
class progress_table {
 public:
  explicit progress_table(std::string prompt_id);

  /// The entry of `node_id`, created running at 0/1 with `display_node_id`
  /// (the node id itself when empty). The caller may change it: its text is
  /// made again on the next `data_text`.
  node_progress_entry& entry(const std::string& node_id,
                             const std::string& display_node_id);

  /// The latest entry whose display id is `display_node_id`, if any.
  const node_progress_entry* find_display(const std::string& display_node_id) const;

  /// `{"prompt_id": …, "nodes": {node_id: {value, max, state, node_id,
  /// prompt_id, display_node_id, parent_node_id, real_node_id}, …}}` as
  /// compact JSON text, the same bytes as dumping that document.
  std::string data_text();

 private:
  struct slot {
    node_progress_entry entry;
    std::string key;   ///< `"node_id":`
    std::string text;  ///< `"node_id":{…}`; empty when stale
    std::string tail;  ///< the entry's ids as text, made from `tail_of`
    node_progress_entry tail_of;
  };

  /// Makes `s.text` again, and `s.tail` when the ids changed.
  void refresh(slot& s) const;

  std::string prompt_id_;
  std::string prompt_id_text_;  ///< prompt_id_ as a JSON string
  std::vector<slot> slots_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace drover::gateway
