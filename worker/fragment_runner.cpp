#include "worker/fragment_runner.hpp"

#include <utility>

#include "actors/log.hpp"
#include "worker/store_file_sink.hpp"

namespace drover::worker {

fragment_runner::fragment_runner(const node_registry& registry, event_sink& events,
                                 zmq::context_t& context, done_callback on_done,
                                 cache_options cache)
    : registry_(registry),
      events_(events),
      context_(context),
      on_done_(std::move(on_done)),
      executor_(registry, cache) {
  thread_ = std::thread{[this] {
    loop();
  }};
}

fragment_runner::~fragment_runner() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
    for (auto& [id, flag] : flags_) {
      flag->store(true);
    }
  }
  wake_.notify_all();
  thread_.join();
}

void fragment_runner::submit(actors::run_fragment fragment, std::string store_endpoint) {
  auto flag = std::make_shared<std::atomic<bool>>(false);
  {
    std::lock_guard lock{mutex_};
    flags_.emplace(fragment.prompt_id, flag);
    queue_.push_back(job{std::move(fragment), std::move(store_endpoint), flag});
  }
  wake_.notify_one();
}

void fragment_runner::interrupt(const std::string& prompt_id) {
  std::lock_guard lock{mutex_};
  for (auto& [id, flag] : flags_) {
    if (prompt_id.empty() || id == prompt_id) {
      flag->store(true);
    }
  }
}

void fragment_runner::free(const actors::free_memory& request) {
  if (!request.free_memory) {
    return;
  }
  {
    std::lock_guard lock{mutex_};
    free_cache_ = true;
  }
  wake_.notify_one();
}

void fragment_runner::loop() {
  for (;;) {
    job next;
    {
      std::unique_lock lock{mutex_};
      wake_.wait(lock, [this] { return stopping_ || free_cache_ || !queue_.empty(); });
      if (stopping_) {
        return;
      }
      if (std::exchange(free_cache_, false)) {
        lock.unlock();
        auto dropped = executor_.free_cache();
        actors::logger("worker")->info("output cache freed entries={}", dropped);
        continue;
      }
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    auto done = run(next);
    {
      std::lock_guard lock{mutex_};
      for (auto it = flags_.begin(); it != flags_.end(); ++it) {
        if (it->second == next.interrupt) {
          flags_.erase(it);
          break;
        }
      }
    }
    on_done_(std::move(done));
  }
}

actors::fragment_done fragment_runner::run(job& j) {
  const auto& f = j.fragment;
  auto log = actors::logger("worker");
  log->info("fragment started prompt_id={} fragment={} attempt={}", f.prompt_id,
            f.fragment, f.attempt);

  auto prompt = json::parse(f.prompt_json, nullptr, false);
  auto extra =
      json::parse(f.extra_data_json.empty() ? "{}" : f.extra_data_json, nullptr, false);
  json pnginfo = nullptr;
  if (extra.is_object() && extra.contains("extra_pnginfo")) {
    pnginfo = extra["extra_pnginfo"];
  }
  // One store connection serves every fragment, until the coordinator (and
  // with it the store) moved: a connection costs a TCP and ZMTP handshake.
  if (!files_ || files_->endpoint() != j.store_endpoint) {
    files_ = std::make_unique<store_file_sink>(context_, j.store_endpoint);
  }
  attempt_environment env{{f.prompt_id, f.fragment, f.attempt},
                          prompt,
                          pnginfo,
                          *files_,
                          events_,
                          *j.interrupt};

  fragment_report report;
  auto graph = actors::prompt_graph::parse(prompt);
  if (prompt.is_discarded() || !graph) {
    report = executor::refuse(env, "the prompt of this fragment does not parse");
  } else {
    report = executor_.run(graph.value(), f.outputs, env);
  }

  log->info("fragment ended prompt_id={} fragment={} attempt={} outcome={} last_seq={}",
            f.prompt_id, f.fragment, f.attempt, static_cast<int>(report.outcome),
            report.last_seq);
  return fragment_done_of(f, std::move(report));
}

}  // namespace drover::worker
