#include "coordinator/finish_log.hpp"

#include "actors/log.hpp"
#include "coordinator/history_record.hpp"
#include "coordinator/prompt_store.hpp"

namespace drover::coordinator {

bool finish_log::load(prompt_store& store, std::int64_t now_ms) {
  auto facts = store.load_recent_facts(capacity, now_ms - window_ms);
  if (!facts) {
    actors::logger("coordinator")
        ->error("recent finishes not loaded error={}", actors::describe(facts.error()));
    return false;
  }
  for (auto& [finished_ms, fact] : facts.value()) {
    if (auto finished = finished_from_json(fact)) {
      facts_.emplace_back(finished_ms, std::move(*finished));
    }
  }
  return true;
}

void finish_log::add(actors::prompt_finished fact, std::int64_t now_ms) {
  facts_.emplace_back(now_ms, std::move(fact));
  while (facts_.size() > capacity) {
    facts_.pop_front();
  }
}

std::vector<actors::prompt_finished> finish_log::recent(std::int64_t now_ms) const {
  std::vector<actors::prompt_finished> out;
  for (const auto& [sent_ms, fact] : facts_) {
    if (sent_ms >= now_ms - window_ms) {
      out.push_back(fact);
    }
  }
  return out;
}

}  // namespace drover::coordinator
