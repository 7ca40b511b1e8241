#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/event.hpp"
#include "actors/result.hpp"

namespace drover::worker {

/// Where a worker's event archive puts the attempts it evicts from memory,
/// so that a late replay (a gateway that restarted, a slow subscription)
/// still finds them (docs/events.md §3): one file per attempt in a folder,
/// bounded by bytes, the oldest attempts deleted first. The files are the
/// process's own and are removed with the spill. Not thread-safe: the
/// publisher's socket thread owns it.
class event_spill {
 public:
  /// Uses `dir`, created when the first attempt is spilled (so that a
  /// worker that never spills, or is killed, leaves nothing behind).
  static std::unique_ptr<event_spill> open(std::string dir, std::size_t max_bytes);
  ~event_spill();
  event_spill(const event_spill&) = delete;
  event_spill& operator=(const event_spill&) = delete;

  /// Writes one attempt's encoded events, numbered from `first_seq`. A
  /// write that fails (the folder cannot be made, the disk is full) is
  /// logged and the attempt is lost to replays, as it would be without a
  /// spill.
  void store(const actors::attempt_key& key, std::uint64_t first_seq,
             const std::vector<std::string>& events, bool ended);

  /// What the spill holds of one attempt.
  struct spilled {
    bool ended = false;
    std::vector<std::string> events;  ///< numbered `from` or later
  };

  /// The events of `key` numbered `from` or later; nullopt when the spill
  /// holds no such attempt or its file cannot be read.
  std::optional<spilled> load(const actors::attempt_key& key, std::uint64_t from) const;

  std::size_t attempts() const { return files_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct file {
    actors::attempt_key key;
    std::uint64_t first_seq = 0;
    bool ended = false;
    std::string path;
    std::size_t bytes = 0;
  };

  event_spill(std::string dir, std::size_t max_bytes)
      : dir_(std::move(dir)), max_bytes_(max_bytes) {}
  void evict();

  std::string dir_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  bool made_dir_ = false;
  std::uint64_t next_name_ = 0;
  std::deque<file> files_;  ///< oldest first
};

}  // namespace drover::worker
