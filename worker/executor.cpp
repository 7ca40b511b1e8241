#include "worker/executor.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <list>
#include <mutex>
#include <new>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "worker/execution_list.hpp"
#include "worker/node_call.hpp"

namespace drover::worker {

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

/// How an input appears in `current_inputs`: ComfyUI lists the values of each
/// input, primitives as they are and anything else as text.
json formatted_value(const node_value& value) {
  if (const auto* j = std::get_if<json>(&value)) {
    if (j->is_primitive()) {
      return *j;
    }
  }
  return describe_value(value);
}

/// Calls a node's function, turning exceptions into ComfyUI's failures.
node_outcome invoke(const node_definition& definition, node_call& call) {
  try {
    return definition.run(call);
  } catch (const std::bad_alloc&) {
    return node_failure{"torch.OutOfMemoryError", "Allocation on device"};
  } catch (const std::exception& e) {
    return node_failure{"RuntimeError", e.what()};
  } catch (...) {
    // A node pack may throw anything; the worker must outlive it.
    return node_failure{"RuntimeError", "the node threw something not an exception"};
  }
}

/// One call's outputs and ui merged into what the calls before it returned, as
/// ComfyUI merges a mapped node's results: a list output's items concatenate,
/// any other output gathers one value per call; each ui key of the first call
/// concatenates its arrays over the calls.
void merge_call(const node_definition& definition, node_result& call,
                std::vector<std::vector<node_value>>& outputs, json& ui) {
  if (outputs.empty()) {
    outputs.resize(call.outputs.size());
  }
  for (std::size_t i = 0; i < call.outputs.size() && i < outputs.size(); ++i) {
    const bool is_list =
        i < definition.output_is_list.size() && definition.output_is_list[i];
    const auto* list = std::get_if<value_list_ptr>(&call.outputs[i]);
    if (is_list && list != nullptr && *list) {
      outputs[i].insert(outputs[i].end(), (*list)->items.begin(), (*list)->items.end());
    } else {
      outputs[i].push_back(std::move(call.outputs[i]));
    }
  }
  if (!call.ui.is_object() || call.ui.empty()) {
    return;
  }
  if (!ui.is_object()) {
    ui = std::move(call.ui);
    return;
  }
  for (auto& [key, value] : ui.items()) {
    auto more = call.ui.find(key);
    if (value.is_array() && more != call.ui.end() && more->is_array()) {
      value.insert(value.end(), more->begin(), more->end());
    }
  }
}

/// Runs a node as ComfyUI maps it over its inputs: once with every input
/// whole for an `input_is_list` node, else once per position of its longest
/// list input (a shorter list repeating its last value), checking the
/// interrupt flag before each further call; an async node's calls run at
/// once, a thread each. The calls' results merge into one (`merge_call`); an
/// output that comes to one value is that value.
node_outcome invoke_mapped(const node_definition& definition, const std::string& node_id,
                           node_call::input_list inputs, node_environment& env) {
  std::size_t calls = 1;
  if (!definition.input_is_list) {
    for (const auto& [name, value] : inputs) {
      calls = std::max(calls, value_count(value));
      if (value_count(value) == 0) {
        return node_failure{"IndexError", "input '" + name + "' is an empty list"};
      }
    }
  }
  auto call_at = [&](std::size_t index) {
    node_call::input_list slice;
    if (calls == 1) {
      slice = std::move(inputs);
    } else {
      slice.reserve(inputs.size());
      for (const auto& [name, value] : inputs) {
        slice.emplace_back(name, value_item(value, index));
      }
    }
    node_call call{definition, node_id, std::move(slice), env};
    return invoke(definition, call);
  };

  std::vector<std::optional<node_outcome>> outcomes(calls);
  if (definition.is_async && calls > 1) {
    // ComfyUI awaits an async node's calls together: they overlap here too.
    std::vector<std::thread> threads;
    for (std::size_t index = 0; index < calls; ++index) {
      try {
        threads.emplace_back([&, index] { outcomes[index].emplace(call_at(index)); });
      } catch (const std::system_error&) {
        outcomes[index].emplace(call_at(index));
      }
    }
    for (auto& thread : threads) {
      thread.join();
    }
  } else {
    for (std::size_t index = 0; index < calls; ++index) {
      if (index > 0 && env.interrupted()) {
        return node_failure{node_failure::interrupt_type, "Processing interrupted"};
      }
      outcomes[index].emplace(call_at(index));
      if (!*outcomes[index]) {
        break;
      }
    }
  }

  std::vector<std::vector<node_value>> outputs;
  json ui = nullptr;
  for (auto& outcome : outcomes) {
    if (!outcome) {
      break;
    }
    if (!*outcome) {
      return std::move(*outcome);
    }
    merge_call(definition, outcome->value(), outputs, ui);
  }
  node_result merged;
  merged.ui = std::move(ui);
  merged.outputs.reserve(outputs.size());
  for (auto& values : outputs) {
    merged.outputs.push_back(make_value_list(std::move(values)));
  }
  return merged;
}

/// An async node in flight: its thread and, once it returned, its outcome.
struct async_task {
  const actors::prompt_node* node = nullptr;
  json current_inputs;
  std::optional<node_outcome> outcome;          ///< guarded by fragment_run::async_mutex_
  std::chrono::steady_clock::time_point ended;  ///< likewise
  std::thread thread;
};

/// One fragment attempt in progress: the state `executor::run` threads through
/// its steps.
class fragment_run {
 public:
  fragment_run(const node_registry& registry, output_cache& cache,
               const actors::prompt_graph& graph, attempt_environment& env)
      : registry_(registry), cache_(cache), graph_(graph), env_(env) {}

  fragment_report run(const std::vector<std::string>& outputs);

 private:
  /// What starting a node came to: it ran, it is running (async), it failed.
  enum class step { ran, started, failed };

  bool is_output(const std::string& id) const;
  const cached_output* cached(const std::string& id) const;
  std::optional<std::string> fingerprint(const actors::prompt_node& node);
  void announce();
  step run_node(const actors::prompt_node& node);
  void launch(const actors::prompt_node& node, const node_definition& definition,
              node_call::input_list inputs);
  bool collect(bool wait);
  void drain();
  bool conclude(
      const actors::prompt_node& node, node_outcome& outcome,
      std::chrono::steady_clock::time_point ended = std::chrono::steady_clock::now());
  std::optional<node_call::input_list> resolve(const actors::prompt_node& node,
                                               node_failure& failure);
  void finish_node(const actors::prompt_node& node, const json& ui);
  void fail(const actors::prompt_node& node, const node_failure& failure);
  void interrupt(const actors::prompt_node& node);
  json current_outputs() const;
  fragment_report end();

  const node_registry& registry_;
  output_cache& cache_;
  const actors::prompt_graph& graph_;
  attempt_environment& env_;
  std::unordered_map<std::string, std::optional<std::uint64_t>> keys_;
  std::optional<execution_list> list_;
  std::vector<std::string> executed_;
  json current_inputs_ = json::object();
  fragment_report report_;
  /// When each node that runs began, for report_.node_ms.
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> started_;

  std::mutex async_mutex_;
  std::condition_variable async_done_;
  std::list<async_task> async_;  ///< in flight; touched by this thread only
};

bool fragment_run::is_output(const std::string& id) const {
  const auto* node = graph_.find(id);
  const auto* definition = node ? registry_.find(node->class_type) : nullptr;
  return definition != nullptr && definition->output_node;
}

const cached_output* fragment_run::cached(const std::string& id) const {
  auto it = keys_.find(id);
  if (it == keys_.end() || !it->second) {
    return nullptr;
  }
  return cache_.find(*it->second);
}

std::optional<std::string> fragment_run::fingerprint(const actors::prompt_node& node) {
  const auto* definition = registry_.find(node.class_type);
  if (definition == nullptr || !definition->fingerprint) {
    return std::string{};
  }
  json constants = json::object();
  for (const auto& in : node.inputs) {
    constants[in.name] = in.is_link() ? json(nullptr) : in.constant;
  }
  std::optional<actors::result<json>> changed;
  try {
    changed.emplace(definition->fingerprint(constants, env_));
  } catch (const std::exception& e) {
    changed.emplace(actors::fail(actors::errc::execution, e.what()));
  } catch (...) {
    changed.emplace(actors::fail(actors::errc::execution, "IS_CHANGED threw"));
  }
  if (!*changed) {
    actors::logger("worker")->debug("fingerprint failed node_id={} error={}", node.id,
                                    changed->error().message);
    return std::nullopt;
  }
  const auto& value = changed->value();
  if (value.is_number_float() && std::isnan(value.get<double>())) {
    return std::nullopt;
  }
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void fragment_run::announce() {
  auto keys = cache_.plan(graph_, registry_, [this](const actors::prompt_node& node) {
    return fingerprint(node);
  });
  const auto& nodes = graph_.nodes();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    keys_.emplace(nodes[i].id, keys[i]);
    if (keys[i] && cache_.find(*keys[i]) != nullptr) {
      report_.cached_nodes.push_back(nodes[i].id);
    }
  }
  report_.started_ms = now_ms();
  env_.publish(actors::fragment_started{report_.cached_nodes});
  report_.cached_ms = now_ms();
}

fragment_report fragment_run::run(const std::vector<std::string>& outputs) {
  announce();
  list_.emplace(
      graph_, [this](const std::string& id) { return is_output(id); },
      [this](const std::string& id) { return cached(id) != nullptr; });
  for (const auto& id : outputs) {
    if (graph_.find(id) == nullptr) {
      actors::prompt_node missing;
      missing.id = id;
      fail(missing, {"KeyError", "output node " + id + " is not in the prompt"});
      return end();
    }
    list_->add(id);
  }

  for (;;) {
    // Async nodes that returned meanwhile may have unblocked (or ended) the list.
    if (!collect(false)) {
      return end();
    }
    if (list_->empty()) {
      break;
    }
    const auto* node = list_->next();
    if (node == nullptr) {
      if (list_->running()) {
        // Only async nodes in flight: wait for one before looking again.
        if (!collect(true)) {
          return end();
        }
        continue;
      }
      // Only a cycle leaves nodes that never become ready.
      fail(*list_->added().front(),
           {"RuntimeError", "the prompt has a dependency cycle"});
      return end();
    }
    if (env_.interrupted()) {
      interrupt(*node);
      return end();
    }
    auto done = run_node(*node);
    if (done == step::failed) {
      return end();
    }
    if (done == step::ran) {
      list_->complete(node->id);
    }
  }
  return end();
}

fragment_run::step fragment_run::run_node(const actors::prompt_node& node) {
  // A cached node in the list is a requested output: ComfyUI re-sends its ui.
  if (const auto* hit = cached(node.id)) {
    finish_node(node, hit->ui);
    return step::ran;
  }
  current_inputs_ = json::object();

  env_.publish(actors::node_started{node.id, node.id, {}, node.id});
  started_[node.id] = std::chrono::steady_clock::now();
  const auto* definition = registry_.find(node.class_type);
  if (definition == nullptr) {
    fail(node, {"KeyError", "node class " + node.class_type + " is not available"});
    return step::failed;
  }
  node_failure failure;
  auto inputs = resolve(node, failure);
  if (!inputs) {
    fail(node, failure);
    return step::failed;
  }
  if (definition->is_async) {
    launch(node, *definition, std::move(*inputs));
    return step::started;
  }

  auto outcome = invoke_mapped(*definition, node.id, std::move(*inputs), env_);
  return conclude(node, outcome) ? step::ran : step::failed;
}

void fragment_run::launch(const actors::prompt_node& node,
                          const node_definition& definition,
                          node_call::input_list inputs) {
  auto& task = async_.emplace_back();
  task.node = &node;
  task.current_inputs = current_inputs_;
  list_->start(node.id);
  auto body = [this, &task, &definition, inputs = std::move(inputs)]() {
    auto outcome = invoke_mapped(definition, task.node->id, inputs, env_);
    std::lock_guard lock{async_mutex_};
    task.ended = std::chrono::steady_clock::now();
    task.outcome.emplace(std::move(outcome));
    async_done_.notify_all();
  };
  try {
    task.thread = std::thread(body);
  } catch (const std::system_error& e) {
    actors::logger("worker")->warn("async node runs inline node_id={} error={}", node.id,
                                   e.what());
    body();
  }
}

bool fragment_run::collect(bool wait) {
  std::vector<async_task*> finished;
  {
    std::unique_lock lock{async_mutex_};
    auto any_done = [this] {
      for (const auto& task : async_) {
        if (task.outcome) {
          return true;
        }
      }
      return false;
    };
    if (wait) {
      async_done_.wait(lock, any_done);
    }
    for (auto& task : async_) {
      if (task.outcome) {
        finished.push_back(&task);
      }
    }
  }

  // Conclude in launch order, so that a prompt's events do not depend on which
  // thread the scheduler woke first.
  bool ok = true;
  for (auto* task : finished) {
    if (task->thread.joinable()) {
      task->thread.join();
    }
    if (ok) {
      current_inputs_ = std::move(task->current_inputs);
      ok = conclude(*task->node, *task->outcome, task->ended);
      if (ok) {
        list_->complete(task->node->id);
      }
    }
    async_.remove_if([task](const async_task& t) { return &t == task; });
  }
  return ok;
}

void fragment_run::drain() {
  if (async_.empty()) {
    return;
  }
  // The fragment failed or was interrupted while these ran: they stop at
  // their next interrupt check, and what they return is dropped.
  env_.abandon();
  for (auto& task : async_) {
    if (task.thread.joinable()) {
      task.thread.join();
    }
  }
  async_.clear();
}

bool fragment_run::conclude(const actors::prompt_node& node, node_outcome& outcome,
                            std::chrono::steady_clock::time_point ended) {
  if (!outcome.has_value()) {
    if (outcome.error().is_interrupt()) {
      interrupt(node);
    } else {
      fail(node, outcome.error());
    }
    return false;
  }

  auto& result = outcome.value();
  // ComfyUI sends `executed` only for a non-empty ui (execution.py: `if
  // len(output_ui) > 0`): an empty dictionary is no ui.
  if (result.ui.is_object() && result.ui.empty()) {
    result.ui = nullptr;
  }
  executed_.push_back(node.id);
  if (auto start = started_.find(node.id); start != started_.end()) {
    std::chrono::duration<double, std::milli> took = ended - start->second;
    report_.node_ms[node.id] = took.count();
  }
  auto key = keys_.at(node.id);
  if (key) {
    cache_.store(*key, cached_output{result.outputs, result.ui});
  }
  finish_node(node, result.ui);
  return true;
}

std::optional<node_call::input_list> fragment_run::resolve(
    const actors::prompt_node& node, node_failure& failure) {
  node_call::input_list inputs;
  current_inputs_ = json::object();
  for (const auto& in : node.inputs) {
    if (!in.is_link()) {
      inputs.emplace_back(in.name, in.constant);
      current_inputs_[in.name] = json::array({formatted_value(in.constant)});
      continue;
    }
    const auto* source = cached(in.source->node_id);
    if (source == nullptr || in.source->output_index >= source->outputs.size()) {
      failure = {"KeyError", "input '" + in.name + "' links to output " +
                                 std::to_string(in.source->output_index) + " of node " +
                                 in.source->node_id + ", which has no such result"};
      return std::nullopt;
    }
    const auto& value = source->outputs[in.source->output_index];
    inputs.emplace_back(in.name, value);
    auto& shown = current_inputs_[in.name] = json::array();
    for (std::size_t i = 0; i < value_count(value); ++i) {
      shown.push_back(formatted_value(value_item(value, i)));
    }
  }
  return inputs;
}

void fragment_run::finish_node(const actors::prompt_node& node, const json& ui) {
  if (!ui.is_null()) {
    env_.publish(actors::node_output{node.id, node.id, ui});
    report_.outputs[node.id] = ui;
    report_.meta[node.id] = {{"node_id", node.id},
                             {"display_node", node.id},
                             {"parent_node", nullptr},
                             {"real_node_id", node.id}};
  }
  env_.publish(actors::node_finished{node.id});
}

json fragment_run::current_outputs() const {
  json ids = json::array();
  std::unordered_map<std::string_view, bool> seen;
  if (list_) {
    for (const auto* node : list_->added()) {
      ids.push_back(node->id);
      seen[node->id] = true;
    }
  }
  for (const auto& node : graph_.nodes()) {
    if (!seen.count(node.id)) {
      ids.push_back(node.id);
    }
  }
  return ids;
}

void fragment_run::fail(const actors::prompt_node& node, const node_failure& failure) {
  report_.outcome = actors::fragment_outcome::error;
  report_.detail = {
      {"node_id", node.id},
      {"node_type", node.class_type},
      {"executed", executed_},
      // ComfyUI sends "<exception>\n<tips>"; tips are empty but for
      // out-of-memory errors.
      {"exception_message", failure.message + "\n"},
      {"exception_type", failure.exception_type},
      {"traceback",
       json::array({"  File \"drover/worker/" + node.class_type + "\", in run\n"})},
      {"current_inputs", current_inputs_},
      {"current_outputs", current_outputs()},
  };
}

void fragment_run::interrupt(const actors::prompt_node& node) {
  report_.outcome = actors::fragment_outcome::interrupted;
  report_.detail = {
      {"node_id", node.id}, {"node_type", node.class_type}, {"executed", executed_}};
}

fragment_report fragment_run::end() {
  drain();
  report_.ended_ms = now_ms();
  report_.last_seq =
      env_.publish(actors::fragment_ended{report_.outcome, report_.detail});
  return std::move(report_);
}

}  // namespace

fragment_report executor::run(const actors::prompt_graph& graph,
                              const std::vector<std::string>& outputs,
                              attempt_environment& env) {
  fragment_run attempt{registry_, cache_, graph, env};
  return attempt.run(outputs);
}

actors::fragment_done fragment_done_of(const actors::run_fragment& fragment,
                                       fragment_report report) {
  auto dump = [](const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  actors::fragment_done done;
  done.prompt_id = fragment.prompt_id;
  done.fragment = fragment.fragment;
  done.attempt = fragment.attempt;
  done.outcome = static_cast<std::uint8_t>(report.outcome);
  done.last_seq = report.last_seq;
  done.started_ms = report.started_ms;
  done.cached_ms = report.cached_ms;
  done.cached_nodes = std::move(report.cached_nodes);
  done.ended_ms = report.ended_ms;
  done.detail_json = dump(report.detail);
  done.outputs_json = dump(report.outputs);
  done.meta_json = dump(report.meta);
  done.node_ms_json = dump(report.node_ms);
  return done;
}

fragment_report executor::refuse(attempt_environment& env, const std::string& message) {
  fragment_report report;
  report.started_ms = now_ms();
  env.publish(actors::fragment_started{});
  report.cached_ms = now_ms();
  report.outcome = actors::fragment_outcome::error;
  report.detail = {{"node_id", nullptr},
                   {"node_type", nullptr},
                   {"executed", json::array()},
                   {"exception_message", message},
                   {"exception_type", "ValueError"},
                   {"traceback", json::array()},
                   {"current_inputs", json::object()},
                   {"current_outputs", json::array()}};
  report.ended_ms = now_ms();
  report.last_seq = env.publish(actors::fragment_ended{report.outcome, report.detail});
  return report;
}

}  // namespace drover::worker
