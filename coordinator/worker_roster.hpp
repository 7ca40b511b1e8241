#pragma once

// The workers a coordinator knows, and where a prompt should run
// (docs/actors.md §4). Knows nothing of actors: the coordinator actor keeps
// the handles and asks the roster for decisions.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "actors/json.hpp"
#include "actors/messages.hpp"
#include "coordinator/free_workers.hpp"

namespace drover::coordinator {

/// A string constant of a prompt: for a combo input, a choice the worker must
/// offer (for a loader, a file it must have).
struct constant_choice {
  std::string class_type;
  std::string input;
  std::string value;
};

/// What a prompt asks of the worker that runs it.
struct prompt_needs {
  std::set<std::string> classes;
  std::vector<constant_choice> choices;   ///< every string constant
  std::vector<std::uint64_t> signatures;  ///< prompt_signatures(), sorted
};

/// The needs of an API-format prompt.
prompt_needs needs_of(const json& prompt);

/// The choices each combo input of a catalog offers, by class then input: a
/// loader's list is the files that worker has. Inputs whose files come from
/// the farm's result store (`image_upload`, and the loaders of
/// input_files.hpp) are left out: every worker has those.
using combo_choices =
    std::unordered_map<std::string,
                       std::unordered_map<std::string, std::unordered_set<std::string>>>;
combo_choices choices_of(const json& catalog);

/// Merges a worker's catalog into the farm's: a class new to the farm is
/// copied, and the choices of a combo input are the union of every worker's,
/// so that the farm's /object_info lists every file some worker has.
void merge_catalog(json& farm, const json& worker);

/// One joined worker.
struct worker_record {
  actors::worker_hello hello;
  std::unordered_set<std::string> classes;
  combo_choices choices;
  std::int64_t joined_ms = 0;
  std::set<std::string> running;  ///< prompt ids, one per busy slot
  std::uint64_t completed = 0;    ///< attempts it finished, any outcome
  /// Signatures of the last prompt it finished: what its cache likely holds.
  std::vector<std::uint64_t> cached;

  std::uint32_t slots() const { return hello.slots == 0 ? 1 : hello.slots; }
  std::uint32_t busy() const { return static_cast<std::uint32_t>(running.size()); }
  std::uint32_t free_slots() const { return busy() < slots() ? slots() - busy() : 0; }
  /// What this worker lacks to run a prompt with `needs` ("ImageBlur",
  /// "CheckpointLoaderSimple.ckpt_name=sdxl.safetensors"); empty when nothing.
  std::string lacking(const prompt_needs& needs) const;
};

/// Workers by id. Placement prefers, among free workers that have every
/// class and are not excluded, the one whose cache matches most of the
/// prompt, then the least loaded, then the earliest joined.
class worker_roster {
 public:
  /// Adds or replaces a worker; returns its record.
  worker_record& join(const actors::worker_hello& hello, std::int64_t now_ms);
  void leave(const std::string& worker_id);
  /// Replaces what a joined worker offers (its backend came or went), keeping
  /// its load and cache; returns the record, or nullptr for an unknown id.
  worker_record* update_catalog(const std::string& worker_id,
                                const std::string& catalog_json);

  worker_record* find(const std::string& worker_id);
  const std::map<std::string, worker_record>& all() const { return workers_; }
  std::size_t size() const { return workers_.size(); }

  /// True while some worker has a free slot.
  bool any_free() const { return !free_.empty(); }

  /// Why no worker, joined now or remembered, can run a prompt with `needs`
  /// ("w1 lacks ImageBlur; w2 lacks …", at most 8 named); empty when one
  /// can. A remembered worker (`remembered`: classes by worker id) that has
  /// not joined, or that offered more classes before than it does now (its
  /// backend is away), is judged by its remembered classes alone.
  std::string why_none_can_run(
      const prompt_needs& needs,
      const std::map<std::string, std::set<std::string>>& remembered) const;

  /// The worker to run a prompt with `needs` now, or nullopt. Looks at the
  /// workers with a free slot only, however many are busy.
  std::optional<std::string> choose(const prompt_needs& needs,
                                    const std::vector<std::string>& excluded) const;

  /// Records that `prompt_id` runs on the worker.
  void start(const std::string& worker_id, const std::string& prompt_id);
  /// Records that it ended there; `signatures` is what it computed.
  void finish(const std::string& worker_id, const std::string& prompt_id,
              const std::vector<std::uint64_t>& signatures);

 private:
  /// Adds the worker to `free_` when it has a free slot.
  void index(const std::string& worker_id, const worker_record& w);

  std::map<std::string, worker_record> workers_;
  /// The workers with a free slot. A worker leaves it before its load or
  /// cache changes and comes back after.
  free_workers free_;
};

}  // namespace drover::coordinator
