// The indexes behind fast placement: the roster's set of workers with a free
// slot and the queue's set of pending prompts. Each must give the answers a
// walk over everything would give; random operation sequences (fixed seeds)
// compare them with such walks, written here from the documented rules.

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "coordinator/prompt_queue.hpp"
#include "coordinator/worker_roster.hpp"

namespace drover::coordinator {

namespace {

std::size_t shared(const std::vector<std::uint64_t>& a,
                   const std::vector<std::uint64_t>& b) {
  std::size_t n = 0;
  for (auto x : a) {
    n += static_cast<std::size_t>(std::count(b.begin(), b.end(), x) > 0);
  }
  return n;
}

/// docs/actors.md §4 by a walk over every worker: among the free ones that
/// have every class and are not excluded, the most shared signatures, then
/// the least load, then the earliest joined, then the first id.
std::optional<std::string> walk_choose(const worker_roster& roster,
                                       const prompt_needs& needs,
                                       const std::vector<std::string>& excluded) {
  std::optional<std::string> best;
  std::tuple<long, double, std::int64_t> best_key;
  for (const auto& [id, w] : roster.all()) {
    bool capable = std::all_of(needs.classes.begin(), needs.classes.end(),
                               [&](const std::string& c) { return w.classes.count(c); });
    if (w.free_slots() == 0 || !capable ||
        std::count(excluded.begin(), excluded.end(), id) != 0) {
      continue;
    }
    std::tuple<long, double, std::int64_t> key{
        -static_cast<long>(shared(needs.signatures, w.cached)),
        static_cast<double>(w.busy()) / w.slots(), w.joined_ms};
    if (!best || key < best_key) {
      best = id;
      best_key = key;
    }
  }
  return best;
}

actors::worker_hello hello_of(const std::string& id, std::uint32_t slots,
                              const std::vector<std::string>& classes) {
  json catalog = json::object();
  for (const auto& c : classes) {
    catalog[c] = json::object();
  }
  return {id,  id, "host", 1, slots, "tcp://e/" + id, "tcp://r/" + id, catalog.dump(),
          "{}"};
}

prompt_needs needs_with(std::vector<std::string> classes,
                        std::vector<std::uint64_t> signatures) {
  prompt_needs needs;
  needs.classes.insert(classes.begin(), classes.end());
  std::sort(signatures.begin(), signatures.end());
  needs.signatures = std::move(signatures);
  return needs;
}

bool walk_any_free(const worker_roster& roster) {
  return std::any_of(roster.all().begin(), roster.all().end(),
                     [](const auto& entry) { return entry.second.free_slots() > 0; });
}

}  // namespace

TEST_CASE("the roster chooses among free workers as a walk over every worker would") {
  const std::vector<prompt_needs> asks = {
      needs_with({"A"}, {}),        needs_with({"A", "B"}, {}),
      needs_with({"A"}, {1, 2, 3}), needs_with({"B"}, {3, 4}),
      needs_with({"A", "C"}, {5}),  needs_with({"Z"}, {}),
  };
  const std::vector<std::vector<std::string>> catalogs = {
      {"A"}, {"A", "B"}, {"A", "B", "C"}, {"B"}};
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 random{seed};
    auto pick = [&](std::size_t n) {
      return std::uniform_int_distribution<std::size_t>{0, n - 1}(random);
    };
    worker_roster roster;
    std::vector<std::pair<std::string, std::string>> running;  // worker, prompt
    int prompts = 0;
    for (int step = 0; step < 300; ++step) {
      auto id = "w" + std::to_string(pick(12));
      switch (pick(5)) {
        case 0:  // join or rejoin; equal join times leave the id as tie-break
          roster.join(hello_of(id, static_cast<std::uint32_t>(pick(3)),
                               catalogs[pick(catalogs.size())]),
                      static_cast<std::int64_t>(pick(4)));
          running.erase(std::remove_if(running.begin(), running.end(),
                                       [&](const auto& r) { return r.first == id; }),
                        running.end());
          break;
        case 1:
          roster.leave(id);
          running.erase(std::remove_if(running.begin(), running.end(),
                                       [&](const auto& r) { return r.first == id; }),
                        running.end());
          break;
        case 2:
        case 3: {
          const auto& needs = asks[pick(asks.size())];
          auto chosen = roster.choose(needs, {});
          if (chosen) {
            auto prompt = "p" + std::to_string(++prompts);
            roster.start(*chosen, prompt);
            running.emplace_back(*chosen, prompt);
          }
          break;
        }
        default:
          if (!running.empty()) {
            auto at = running.begin() + static_cast<long>(pick(running.size()));
            roster.finish(at->first, at->second, asks[pick(asks.size())].signatures);
            running.erase(at);
          }
      }

      CHECK(roster.any_free() == walk_any_free(roster));
      for (const auto& needs : asks) {
        std::vector<std::string> excluded{"w" + std::to_string(pick(12))};
        CHECK(roster.choose(needs, excluded) == walk_choose(roster, needs, excluded));
        CHECK(roster.choose(needs, {}) == walk_choose(roster, needs, {}));
      }
    }
  }
}

TEST_CASE("a worker busy in every slot is not chosen, and is again once one frees") {
  worker_roster roster;
  roster.join(hello_of("w1", 2, {"A"}), 1);
  auto needs = needs_with({"A"}, {});
  roster.start("w1", "p1");
  CHECK(roster.choose(needs, {}) == std::optional<std::string>{"w1"});
  roster.start("w1", "p2");
  CHECK_FALSE(roster.any_free());
  CHECK_FALSE(roster.choose(needs, {}).has_value());
  roster.finish("w1", "p1", {});
  CHECK(roster.any_free());
  CHECK(roster.choose(needs, {}) == std::optional<std::string>{"w1"});
  roster.leave("w1");
  CHECK_FALSE(roster.any_free());
  CHECK_FALSE(roster.choose(needs, {}).has_value());
}

namespace {

queued_prompt prompt_called(const std::string& id, double number, std::int64_t seq) {
  queued_prompt p;
  p.prompt_id = id;
  p.number = number;
  p.seq = seq;
  return p;
}

/// The ids `each_pending_until` visits, stopping after `limit`.
std::vector<std::string> pending_ids(prompt_queue& queue, std::size_t limit) {
  std::vector<std::string> ids;
  queue.each_pending_until([&](queued_prompt& p) {
    ids.push_back(p.prompt_id);
    return ids.size() < limit;
  });
  return ids;
}

/// The same by a walk over every prompt.
std::vector<std::string> walk_pending_ids(const prompt_queue& queue, std::size_t limit) {
  std::vector<std::string> ids;
  queue.each([&](const queued_prompt& p) {
    if (!p.running && ids.size() < limit) {
      ids.push_back(p.prompt_id);
    }
  });
  return ids;
}

}  // namespace

TEST_CASE("the pending prompts are visited in dispatch order, the running skipped") {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 random{seed};
    auto pick = [&](std::size_t n) {
      return std::uniform_int_distribution<std::size_t>{0, n - 1}(random);
    };
    prompt_queue queue;
    std::int64_t seq = 0;
    for (int step = 0; step < 400; ++step) {
      auto id = "p" + std::to_string(pick(40));
      auto* p = queue.find(id);
      switch (pick(6)) {
        case 0:
        case 1:
          if (p == nullptr) {
            queue.insert(prompt_called(id, static_cast<double>(pick(5)), ++seq));
          }
          break;
        case 2:
          if (p != nullptr) {
            queue.set_running(*p, !p->running);
          }
          break;
        case 3:  // a lost worker's prompt goes back, first in line
          if (p != nullptr && p->running) {
            queue.set_running(*p, false);
            p->requeued = true;
            queue.requeue(id);
          }
          break;
        case 4:
          queue.erase(id);
          break;
        default:
          if (pick(8) == 0) {
            auto parity = pick(2);
            queue.erase_if([&](const queued_prompt& q) {
              return !q.running && q.seq % 2 == static_cast<std::int64_t>(parity);
            });
          }
      }

      auto limit = 1 + pick(10);
      CHECK(pending_ids(queue, limit) == walk_pending_ids(queue, limit));
      CHECK(pending_ids(queue, 1000) == walk_pending_ids(queue, 1000));
    }
  }
}

TEST_CASE("prompts loaded as running are not pending until set back") {
  prompt_queue queue;
  auto a = prompt_called("a", 1, 1);
  a.running = true;
  std::vector<queued_prompt> rows;
  rows.push_back(a);
  rows.push_back(prompt_called("b", 2, 2));
  queue.assign(std::move(rows));
  CHECK(pending_ids(queue, 10) == std::vector<std::string>{"b"});
  queue.set_running(*queue.find("a"), false);
  CHECK(pending_ids(queue, 10) == std::vector<std::string>{"a", "b"});
}

}  // namespace drover::coordinator
