#include "coordinator/folder_counters.hpp"

#include <algorithm>
#include <cctype>

namespace fs = std::filesystem;

namespace drover::coordinator {

std::optional<std::uint64_t> counter_of(const std::string& name,
                                        const std::string& prefix) {
  if (name.size() <= prefix.size() + 1 || name.compare(0, prefix.size(), prefix) != 0 ||
      name[prefix.size()] != '_') {
    return std::nullopt;
  }
  auto digits = prefix.size() + 1;
  auto end = name.find('_', digits);
  if (end == std::string::npos || end == digits || end - digits > 18) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (auto i = digits; i < end; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) {
      return std::nullopt;
    }
    value = value * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return value;
}

void folder_counters::count(listing& l, const std::string& name) {
  // Every `_` may end a prefix: `a_b_00001_.png` counts for `a_b`, and for
  // `a` only if `b` were digits.
  for (auto at = name.find('_'); at != std::string::npos; at = name.find('_', at + 1)) {
    auto prefix = name.substr(0, at);
    if (auto n = counter_of(name, prefix)) {
      auto& best = l.highest[prefix];
      best = std::max(best, *n);
    }
  }
}

std::uint64_t folder_counters::highest(const fs::path& dir, const std::string& prefix) {
  std::error_code ec;
  auto mtime = fs::last_write_time(dir, ec);
  if (ec) {
    folders_.erase(dir.string());
    return 0;  // no folder yet: no file counts
  }
  auto [it, fresh] = folders_.try_emplace(dir.string());
  auto& l = it->second;
  if (fresh || l.mtime != mtime) {
    l.highest.clear();
    l.mtime = mtime;
    for (fs::directory_iterator entry{dir, ec}, end; !ec && entry != end;
         entry.increment(ec)) {
      count(l, entry->path().filename().string());
    }
  }
  auto found = l.highest.find(prefix);
  return found == l.highest.end() ? 0 : found->second;
}

void folder_counters::before_write(const fs::path& dir) {
  auto it = folders_.find(dir.string());
  if (it == folders_.end()) {
    return;
  }
  std::error_code ec;
  auto mtime = fs::last_write_time(dir, ec);
  it->second.mtime_before_write.reset();
  if (!ec && mtime == it->second.mtime) {
    it->second.mtime_before_write = mtime;
  }
}

void folder_counters::wrote(const fs::path& dir, const std::string& name) {
  auto it = folders_.find(dir.string());
  if (it == folders_.end()) {
    return;
  }
  auto& l = it->second;
  std::error_code ec;
  auto mtime = fs::last_write_time(dir, ec);
  if (!ec && l.mtime_before_write && *l.mtime_before_write == l.mtime) {
    count(l, name);
    l.mtime = mtime;  // the listing plus this file is the folder now
  }
  l.mtime_before_write.reset();
}

}  // namespace drover::coordinator
