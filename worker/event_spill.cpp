#include "worker/event_spill.hpp"

#include <filesystem>
#include <fstream>

#include "actors/log.hpp"

namespace drover::worker {

namespace fs = std::filesystem;

std::unique_ptr<event_spill> event_spill::open(std::string dir, std::size_t max_bytes) {
  return std::unique_ptr<event_spill>{new event_spill{std::move(dir), max_bytes}};
}

event_spill::~event_spill() {
  for (const auto& f : files_) {
    std::error_code ignored;  // a file already gone needs no removal
    fs::remove(f.path, ignored);
  }
}

void event_spill::store(const actors::attempt_key& key, std::uint64_t first_seq,
                        const std::vector<std::string>& events, bool ended) {
  if (!made_dir_) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec || !fs::is_directory(dir_)) {
      actors::logger("worker")->warn("event spill folder not made path={} error={}", dir_,
                                     ec ? ec.message() : "not a folder");
      return;
    }
    made_dir_ = true;
  }
  file f{key, first_seq, ended, dir_ + "/" + std::to_string(next_name_++) + ".events", 0};
  {
    // Each event: its length as 4 little-endian bytes, then its bytes.
    std::ofstream out{f.path, std::ios::binary | std::ios::trunc};
    for (const auto& e : events) {
      const auto n = static_cast<std::uint32_t>(e.size());
      const char length[4] = {static_cast<char>(n), static_cast<char>(n >> 8),
                              static_cast<char>(n >> 16), static_cast<char>(n >> 24)};
      out.write(length, 4);
      out.write(e.data(), static_cast<std::streamsize>(e.size()));
      f.bytes += 4 + e.size();
    }
    if (!out) {
      actors::logger("worker")->warn("event spill failed prompt_id={} attempt={} path={}",
                                     key.prompt_id, key.attempt, f.path);
      std::error_code ignored;  // a partial file is not kept
      fs::remove(f.path, ignored);
      return;
    }
  }
  bytes_ += f.bytes;
  files_.push_back(std::move(f));
  evict();
}

void event_spill::evict() {
  while (!files_.empty() && bytes_ > max_bytes_) {
    std::error_code ignored;  // a file already gone needs no removal
    fs::remove(files_.front().path, ignored);
    bytes_ -= files_.front().bytes;
    files_.pop_front();
  }
}

std::optional<event_spill::spilled> event_spill::load(const actors::attempt_key& key,
                                                      std::uint64_t from) const {
  for (auto it = files_.rbegin(); it != files_.rend(); ++it) {
    if (it->key != key) {
      continue;
    }
    std::ifstream in{it->path, std::ios::binary};
    if (!in) {
      actors::logger("worker")->warn("event spill unreadable path={}", it->path);
      return std::nullopt;
    }
    spilled out;
    out.ended = it->ended;
    for (std::uint64_t seq = it->first_seq;; ++seq) {
      unsigned char length[4];
      if (!in.read(reinterpret_cast<char*>(length), 4)) {
        break;
      }
      const std::uint32_t n = length[0] | length[1] << 8 | length[2] << 16 |
                              static_cast<std::uint32_t>(length[3]) << 24;
      std::string e(n, '\0');
      if (!in.read(e.data(), n)) {
        actors::logger("worker")->warn("event spill truncated path={}", it->path);
        return std::nullopt;
      }
      if (seq >= from) {
        out.events.push_back(std::move(e));
      }
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace drover::worker
