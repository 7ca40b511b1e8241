#include "coordinator/farm_journal.hpp"

namespace drover::coordinator {

namespace {

template <class Note>
void push_bounded(std::deque<Note>& notes, Note note, std::size_t capacity) {
  notes.push_front(std::move(note));
  while (notes.size() > capacity) {
    notes.pop_back();
  }
}

json null_if_empty(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

}  // namespace

void farm_journal::add(failure_note note) {
  push_bounded(failures_, std::move(note), capacity_);
}

void farm_journal::add(finished_note note) {
  push_bounded(finished_, std::move(note), capacity_);
}

json farm_journal::failures_json() const {
  json out = json::array();
  for (const auto& n : failures_) {
    out.push_back({{"time_ms", n.time_ms},
                   {"worker_id", null_if_empty(n.worker_id)},
                   {"worker_name", null_if_empty(n.worker_name)},
                   {"prompt_id", null_if_empty(n.prompt_id)},
                   {"reason", n.reason}});
  }
  return out;
}

json farm_journal::finished_json() const {
  json out = json::array();
  for (const auto& n : finished_) {
    out.push_back({{"time_ms", n.time_ms},
                   {"prompt_id", n.prompt_id},
                   {"worker_id", null_if_empty(n.worker_id)},
                   {"attempt", n.attempt},
                   {"outcome", n.outcome}});
  }
  return out;
}

}  // namespace drover::coordinator
