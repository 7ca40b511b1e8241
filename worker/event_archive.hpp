#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "actors/event.hpp"
#include "worker/event_spill.hpp"

namespace drover::worker {

/// The recent events of a worker, kept to answer replay requests
/// (docs/events.md §3): encoded events per attempt, in sequence order. Bounded
/// by a number of attempts and a number of bytes; past either bound the
/// oldest attempts go first, but the newest attempt is always kept in
/// memory. Those evicted past the byte bound go to the spill when there is
/// one (and, past its own bound, away).
/// TODO(#4): release attempts that every gateway holds.
/// Not thread-safe: the publisher's socket thread owns it.
class event_archive {
 public:
  /// Borrows `spill` (may be null: evicted attempts are dropped), which must
  /// outlive the archive.
  event_archive(std::size_t max_attempts, std::size_t max_bytes,
                event_spill* spill = nullptr)
      : max_attempts_(max_attempts), max_bytes_(max_bytes), spill_(spill) {}

  /// Appends event `seq` of `key`, encoded; `last` marks fragment_ended.
  /// Events must arrive in sequence order per attempt.
  void add(const actors::attempt_key& key, std::uint64_t seq, std::string encoded,
           bool last);

  struct replay {
    bool known = false;     ///< the archive holds this attempt
    bool complete = false;  ///< `events` reach fragment_ended
    std::vector<std::string> events;
  };

  /// The events of `key` numbered `from` or later that it still holds.
  replay from(const actors::attempt_key& key, std::uint64_t from) const;

  std::size_t attempts() const { return attempts_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct attempt {
    actors::attempt_key key;
    std::uint64_t first_seq = 0;
    std::vector<std::string> events;
    bool ended = false;
  };

  attempt* find(const actors::attempt_key& key);
  void evict();

  std::size_t max_attempts_;
  std::size_t max_bytes_;
  event_spill* spill_;
  std::size_t bytes_ = 0;
  std::deque<attempt> attempts_;  ///< oldest first
};

}  // namespace drover::worker
