#include "worker/event_archive.hpp"

namespace drover::worker {

event_archive::attempt* event_archive::find(const actors::attempt_key& key) {
  // Newest first: the attempt being published is almost always the last.
  for (auto it = attempts_.rbegin(); it != attempts_.rend(); ++it) {
    if (it->key == key) {
      return &*it;
    }
  }
  return nullptr;
}

void event_archive::add(const actors::attempt_key& key, std::uint64_t seq,
                        std::string encoded, bool last) {
  auto* held = find(key);
  if (held == nullptr) {
    attempts_.push_back(attempt{key, seq, {}, false});
    held = &attempts_.back();
  }
  bytes_ += encoded.size();
  held->events.push_back(std::move(encoded));
  held->ended = held->ended || last;
  evict();
}

void event_archive::evict() {
  while (attempts_.size() > 1 &&
         (attempts_.size() > max_attempts_ || bytes_ > max_bytes_)) {
    // Past the byte bound the oldest attempt goes to the spill; one that only
    // exceeds the count of attempts is dropped, as it is small and old.
    const bool over_bytes = bytes_ > max_bytes_;
    auto& oldest = attempts_.front();
    for (const auto& e : oldest.events) {
      bytes_ -= e.size();
    }
    if (spill_ != nullptr && over_bytes) {
      spill_->store(oldest.key, oldest.first_seq, oldest.events, oldest.ended);
    }
    attempts_.pop_front();
  }
}

event_archive::replay event_archive::from(const actors::attempt_key& key,
                                          std::uint64_t from) const {
  replay out;
  for (auto it = attempts_.rbegin(); it != attempts_.rend(); ++it) {
    if (it->key != key) {
      continue;
    }
    out.known = true;
    out.complete = it->ended;
    auto skip = from > it->first_seq ? from - it->first_seq : 0;
    for (auto i = skip; i < it->events.size(); ++i) {
      out.events.push_back(it->events[i]);
    }
    return out;
  }
  if (spill_ != nullptr) {
    if (auto spilled = spill_->load(key, from)) {
      out.known = true;
      out.complete = spilled->ended;
      out.events = std::move(spilled->events);
    }
  }
  return out;
}

}  // namespace drover::worker
