#include "gateway/progress_table.hpp"

#include "actors/json.hpp"
#include "gateway/client_message.hpp"

namespace drover::gateway {

namespace {

/// Everything of an entry after `state`: the ids, which rarely change.
std::string identity_tail(const node_progress_entry& e,
                          const std::string& prompt_id_text) {
  std::string out = R"(,"node_id":)" + dump_json(json(e.node_id));
  out += R"(,"prompt_id":)" + prompt_id_text;
  out += R"(,"display_node_id":)" + dump_json(json(e.display_node_id));
  out += R"(,"parent_node_id":)";
  out += e.parent_node_id ? dump_json(json(*e.parent_node_id)) : "null";
  out += R"(,"real_node_id":)" + dump_json(json(e.real_node_id)) + "}";
  return out;
}

bool same_identity(const node_progress_entry& a, const node_progress_entry& b) {
  return a.display_node_id == b.display_node_id && a.parent_node_id == b.parent_node_id &&
         a.real_node_id == b.real_node_id;
}

}  // namespace

progress_table::progress_table(std::string prompt_id)
    : prompt_id_(std::move(prompt_id)), prompt_id_text_(dump_json(json(prompt_id_))) {}

node_progress_entry& progress_table::entry(const std::string& node_id,
                                           const std::string& display_node_id) {
  auto it = index_.find(node_id);
  if (it != index_.end()) {
    auto& s = slots_[it->second];
    s.text.clear();
    return s.entry;
  }
  node_progress_entry fresh;
  fresh.node_id = node_id;
  fresh.display_node_id = display_node_id.empty() ? node_id : display_node_id;
  fresh.real_node_id = node_id;
  index_.emplace(node_id, slots_.size());
  slot added;
  added.key = dump_json(json(node_id)) + ":";
  added.entry = std::move(fresh);
  slots_.push_back(std::move(added));
  return slots_.back().entry;
}

const node_progress_entry* progress_table::find_display(
    const std::string& display_node_id) const {
  for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {
    if (it->entry.display_node_id == display_node_id) {
      return &it->entry;
    }
  }
  return nullptr;
}

void progress_table::refresh(slot& s) const {
  if (s.tail.empty() || !same_identity(s.entry, s.tail_of)) {
    s.tail = identity_tail(s.entry, prompt_id_text_);
    s.tail_of = s.entry;
  }
  s.text = s.key + R"({"value":)" + dump_json(json(s.entry.value));
  s.text += R"(,"max":)" + dump_json(json(s.entry.max));
  s.text += s.entry.finished ? R"(,"state":"finished")" : R"(,"state":"running")";
  s.text += s.tail;
}

std::string progress_table::data_text() {
  std::string out = R"({"prompt_id":)" + prompt_id_text_ + R"(,"nodes":{)";
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    auto& s = slots_[i];
    if (s.text.empty()) {
      refresh(s);
    }
    out += i == 0 ? "" : ",";
    out += s.text;
  }
  out += "}}";
  return out;
}

}  // namespace drover::gateway
