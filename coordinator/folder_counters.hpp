#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>

namespace drover::coordinator {

/// The counter of a file named `<prefix>_<digits>_…`, as ComfyUI's
/// get_save_image_path reads it; nullopt for other names.
std::optional<std::uint64_t> counter_of(const std::string& name,
                                        const std::string& prefix);

/// The highest `<prefix>_NNNNN_` counter of every prefix in one folder of
/// the result store, so that a save does not list the folder again. The
/// listing is trusted while the folder's modification time is the one seen
/// when it was listed or when the store itself last wrote there; any other
/// change (a file added or removed behind the store's back) lists it again.
/// Not thread-safe: the store's one thread owns it.
class folder_counters {
 public:
  /// The highest counter of `prefix` in `dir` (0 when none), listing the
  /// folder only when it changed since it was last listed or written.
  std::uint64_t highest(const std::filesystem::path& dir, const std::string& prefix);

  /// The store is about to write into `dir`: remembers its modification
  /// time, so that `wrote` can tell whether anyone else changed it.
  void before_write(const std::filesystem::path& dir);

  /// The store wrote `name` into `dir`: its counters count, and the folder's
  /// new modification time is the store's own doing.
  void wrote(const std::filesystem::path& dir, const std::string& name);

 private:
  struct listing {
    std::filesystem::file_time_type mtime;
    std::optional<std::filesystem::file_time_type> mtime_before_write;
    std::unordered_map<std::string, std::uint64_t> highest;  ///< by prefix
  };

  static void count(listing& l, const std::string& name);

  std::unordered_map<std::string, listing> folders_;
};

}  // namespace drover::coordinator
