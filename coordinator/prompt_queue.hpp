#pragma once

// The coordinator's queue in memory: pending and running prompts in
// dispatch order (requeued first, then number, then arrival), with lookup by
// prompt id. Every operation is logarithmic or better in the queue's length,
// so that a queue of 100,000 prompts costs no more per placement than a
// short one.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "coordinator/prompt_store.hpp"

namespace drover::coordinator {

class prompt_queue {
 public:
  /// Replaces the content with `rows` (any order).
  void assign(std::vector<queued_prompt> rows);

  void insert(queued_prompt p);

  /// The prompt called `prompt_id`, or nullptr. Pointers stay valid until the
  /// prompt is erased.
  queued_prompt* find(const std::string& prompt_id);

  /// Removes the prompt; false when it was not queued.
  bool erase(const std::string& prompt_id);

  /// Removes every prompt `remove` selects; returns how many.
  std::size_t erase_if(const std::function<bool(const queued_prompt&)>& remove);

  /// Moves a prompt to the front part of the queue after its `requeued`
  /// flag was set; the flag is part of its place.
  void requeue(const std::string& prompt_id);

  /// Sets the prompt's `running` flag; set it only through here, so that
  /// the pending prompts stay indexed.
  void set_running(queued_prompt& p, bool running);

  /// Visits prompts in dispatch order until `visit` returns false.
  void each_until(const std::function<bool(queued_prompt&)>& visit);
  /// Visits the prompts that are not running, in dispatch order, until
  /// `visit` returns false; the running ones, however many, cost nothing.
  /// `visit` must not add, remove or start prompts.
  void each_pending_until(const std::function<bool(queued_prompt&)>& visit);
  /// Visits every prompt in dispatch order.
  void each(const std::function<void(const queued_prompt&)>& visit) const;

  std::size_t size() const { return prompts_.size(); }

 private:
  /// Dispatch order: requeued first, then number, then arrival.
  using place = std::tuple<bool, double, std::int64_t>;
  static place place_of(const queued_prompt& p) { return {!p.requeued, p.number, p.seq}; }

  std::map<place, queued_prompt> prompts_;
  std::unordered_map<std::string, place> places_;
  /// The prompts of `prompts_` that are not running, by the same place.
  std::map<place, queued_prompt*> pending_;
};

}  // namespace drover::coordinator
