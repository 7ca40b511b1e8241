#include "worker/executor.hpp"

#include <chrono>
#include <exception>
#include <new>
#include <optional>
#include <unordered_map>

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

/// One fragment attempt in progress: the state `executor::run` threads through
/// its steps.
class fragment_run {
 public:
  fragment_run(const node_registry& registry, output_cache& cache,
               const actors::prompt_graph& graph, attempt_environment& env)
      : registry_(registry), cache_(cache), graph_(graph), env_(env) {}

  fragment_report run(const std::vector<std::string>& outputs);

 private:
  bool is_output(const std::string& id) const;
  const cached_output* cached(const std::string& id) const;
  void announce();
  bool run_node(const actors::prompt_node& node);
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

void fragment_run::announce() {
  auto keys = cache_.plan(graph_, registry_);
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

  while (!list_->empty()) {
    const auto* node = list_->next();
    if (node == nullptr) {
      // Only a cycle leaves nodes that never become ready.
      fail(*list_->added().front(),
           {"RuntimeError", "the prompt has a dependency cycle"});
      return end();
    }
    if (env_.interrupted()) {
      interrupt(*node);
      return end();
    }
    if (!run_node(*node)) {
      return end();
    }
    list_->complete(node->id);
  }
  return end();
}

bool fragment_run::run_node(const actors::prompt_node& node) {
  // A cached node in the list is a requested output: ComfyUI re-sends its ui.
  if (const auto* hit = cached(node.id)) {
    finish_node(node, hit->ui);
    return true;
  }
  current_inputs_ = json::object();

  env_.publish(actors::node_started{node.id, node.id, {}, node.id});
  const auto* definition = registry_.find(node.class_type);
  if (definition == nullptr) {
    fail(node, {"KeyError", "node class " + node.class_type + " is not available"});
    return false;
  }
  node_failure failure;
  auto inputs = resolve(node, failure);
  if (!inputs) {
    fail(node, failure);
    return false;
  }

  node_call call{*definition, node.id, std::move(*inputs), env_};
  std::optional<node_outcome> outcome;
  try {
    outcome.emplace(definition->run(call));
  } catch (const std::bad_alloc&) {
    outcome.emplace(node_failure{"torch.OutOfMemoryError", "Allocation on device"});
  } catch (const std::exception& e) {
    outcome.emplace(node_failure{"RuntimeError", e.what()});
  }
  if (!outcome->has_value()) {
    if (outcome->error().is_interrupt()) {
      interrupt(node);
    } else {
      fail(node, outcome->error());
    }
    return false;
  }

  auto& result = outcome->value();
  executed_.push_back(node.id);
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
    current_inputs_[in.name] = json::array({formatted_value(value)});
  }
  // TODO(#3): INPUT_IS_LIST, OUTPUT_IS_LIST and batching over list inputs.
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
      {"exception_message", failure.message},
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
