#include "coordinator/worker_roster.hpp"

#include <algorithm>
#include <utility>

#include "coordinator/input_files.hpp"
#include "coordinator/prompt_signature.hpp"

namespace drover::coordinator {

namespace {

std::size_t shared_count(const std::vector<std::uint64_t>& a,
                         const std::vector<std::uint64_t>& b) {
  std::size_t n = 0;
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (*i < *j) {
      ++i;
    } else if (*j < *i) {
      ++j;
    } else {
      ++n, ++i, ++j;
    }
  }
  return n;
}

}  // namespace

prompt_needs needs_of(const json& prompt) {
  prompt_needs needs;
  if (prompt.is_object()) {
    for (const auto& [id, node] : prompt.items()) {
      if (!node.is_object()) {
        continue;
      }
      auto type = node.find("class_type");
      if (type == node.end() || !type->is_string()) {
        continue;
      }
      const auto& class_type = type->get_ref<const std::string&>();
      needs.classes.insert(class_type);
      auto inputs = node.find("inputs");
      if (inputs == node.end() || !inputs->is_object()) {
        continue;
      }
      for (const auto& [name, value] : inputs->items()) {
        if (value.is_string()) {
          needs.choices.push_back({class_type, name, value.get<std::string>()});
        }
      }
    }
  }
  needs.signatures = prompt_signatures(prompt);
  return needs;
}

namespace {

/// The choices of one declared input, `[["a", "b"], {...}]` or ComfyUI's V3
/// `["COMBO", {"options": ["a", "b"]}]`; null when it is no combo.
const json* combo_list(const json& spec) {
  if (!spec.is_array() || spec.empty()) {
    return nullptr;
  }
  if (spec[0].is_array()) {
    return &spec[0];
  }
  if (spec[0] == "COMBO" && spec.size() > 1 && spec[1].is_object()) {
    auto options = spec[1].find("options");
    return options != spec[1].end() && options->is_array() ? &*options : nullptr;
  }
  return nullptr;
}

json* combo_list(json& spec) {
  return const_cast<json*>(combo_list(std::as_const(spec)));
}

/// Whether the choices of `input` are files of the farm's result store,
/// which every worker reads alike.
bool from_store(const std::string& class_type, const std::string& input,
                const json& spec) {
  if (const auto* loader = store_input_of(class_type); loader && input == loader->input) {
    return true;
  }
  return spec.size() > 1 && spec[1].is_object() &&
         spec[1].value("image_upload", false) == true;
}

}  // namespace

combo_choices choices_of(const json& catalog) {
  combo_choices out;
  if (!catalog.is_object()) {
    return out;
  }
  for (const auto& [class_type, info] : catalog.items()) {
    auto input = info.is_object() ? info.find("input") : info.end();
    if (!info.is_object() || input == info.end() || !input->is_object()) {
      continue;
    }
    for (const auto& [category, specs] : input->items()) {
      if (!specs.is_object()) {
        continue;
      }
      for (const auto& [name, spec] : specs.items()) {
        const auto* list = combo_list(spec);
        if (list == nullptr || from_store(class_type, name, spec)) {
          continue;
        }
        auto& allowed = out[class_type][name];
        for (const auto& choice : *list) {
          if (choice.is_string()) {
            allowed.insert(choice.get<std::string>());
          }
        }
      }
    }
  }
  return out;
}

void merge_catalog(json& farm, const json& worker) {
  if (!farm.is_object() || !worker.is_object()) {
    return;
  }
  for (const auto& [class_type, info] : worker.items()) {
    auto known = farm.find(class_type);
    if (known == farm.end()) {
      farm[class_type] = info;
      continue;
    }
    auto theirs = info.find("input");
    auto ours = known->find("input");
    if (!info.is_object() || theirs == info.end() || ours == known->end() ||
        !theirs->is_object() || !ours->is_object()) {
      continue;
    }
    for (const auto& [category, specs] : theirs->items()) {
      if (!specs.is_object() || !ours->contains(category)) {
        continue;
      }
      auto& our_specs = (*ours)[category];
      for (const auto& [name, spec] : specs.items()) {
        const auto* list = combo_list(spec);
        auto mine = our_specs.find(name);
        if (list == nullptr || mine == our_specs.end()) {
          continue;
        }
        auto* our_list = combo_list(*mine);
        for (const auto& choice : *list) {
          if (our_list != nullptr &&
              std::find(our_list->begin(), our_list->end(), choice) == our_list->end()) {
            our_list->push_back(choice);
          }
        }
      }
    }
  }
}

std::string worker_record::lacking(const prompt_needs& needs) const {
  for (const auto& c : needs.classes) {
    if (classes.count(c) == 0) {
      return c;
    }
  }
  for (const auto& need : needs.choices) {
    auto by_class = choices.find(need.class_type);
    if (by_class == choices.end()) {
      continue;
    }
    auto allowed = by_class->second.find(need.input);
    if (allowed != by_class->second.end() && allowed->second.count(need.value) == 0) {
      return need.class_type + "." + need.input + "=" + need.value;
    }
  }
  return {};
}

namespace {

/// Sets the classes and combo choices of `record` from its catalog.
void read_catalog(worker_record& record, const std::string& catalog_json) {
  auto catalog = json::parse(catalog_json, nullptr, false);
  record.classes.clear();
  if (catalog.is_object()) {
    for (const auto& [name, info] : catalog.items()) {
      record.classes.insert(name);
    }
  }
  record.choices = choices_of(catalog);
}

}  // namespace

worker_record& worker_roster::join(const actors::worker_hello& hello,
                                   std::int64_t now_ms) {
  worker_record record;
  record.hello = hello;
  record.joined_ms = now_ms;
  read_catalog(record, hello.catalog_json);
  leave(hello.worker_id);
  auto [it, added] = workers_.emplace(hello.worker_id, std::move(record));
  index(it->first, it->second);
  return it->second;
}

worker_record* worker_roster::update_catalog(const std::string& worker_id,
                                             const std::string& catalog_json) {
  auto it = workers_.find(worker_id);
  if (it == workers_.end()) {
    return nullptr;
  }
  free_.remove(it->first, it->second);
  it->second.hello.catalog_json = catalog_json;
  read_catalog(it->second, catalog_json);
  index(it->first, it->second);
  return &it->second;
}

void worker_roster::leave(const std::string& worker_id) {
  if (auto it = workers_.find(worker_id); it != workers_.end()) {
    free_.remove(it->first, it->second);
    workers_.erase(it);
  }
}

void worker_roster::index(const std::string& worker_id, const worker_record& w) {
  if (w.free_slots() > 0) {
    free_.add(worker_id, w);
  }
}

worker_record* worker_roster::find(const std::string& worker_id) {
  auto it = workers_.find(worker_id);
  return it == workers_.end() ? nullptr : &it->second;
}

std::string worker_roster::why_none_can_run(
    const prompt_needs& needs,
    const std::map<std::string, std::set<std::string>>& remembered) const {
  std::string why;
  std::size_t listed = 0;
  auto note = [&](const std::string& name, const std::string& missing) {
    if (listed++ < 8) {
      why += (listed == 1 ? "" : "; ") + name + " lacks " + missing;
    }
  };
  for (const auto& [id, w] : workers_) {
    auto missing = w.lacking(needs);
    if (missing.empty()) {
      return {};
    }
    note(w.hello.name, missing);
  }
  for (const auto& [id, classes] : remembered) {
    // A joined worker is judged by what it offers now, unless it offered
    // more before: its backend is away and may come back.
    auto joined = workers_.find(id);
    if (joined != workers_.end() && joined->second.classes.size() >= classes.size()) {
      continue;
    }
    auto missing =
        std::find_if(needs.classes.begin(), needs.classes.end(),
                     [&](const std::string& c) { return classes.count(c) == 0; });
    if (missing == needs.classes.end()) {
      return {};
    }
    note(id, *missing);
  }
  return why.empty() ? std::string{"no worker joined"} : why;
}

std::optional<std::string> worker_roster::choose(
    const prompt_needs& needs, const std::vector<std::string>& excluded) const {
  // Free workers come in tie-break order, so the first one with the most
  // shared signatures wins; once one shares as many as any free worker's
  // cache could, none after it can do better.
  auto bound = free_.shared_bound(needs.signatures);
  const std::string* best = nullptr;
  std::size_t best_match = 0;
  free_.each_until([&](const std::string& id, const worker_record& w) {
    if (!w.lacking(needs).empty() ||
        std::find(excluded.begin(), excluded.end(), id) != excluded.end()) {
      return true;
    }
    auto match = shared_count(needs.signatures, w.cached);
    if (best == nullptr || match > best_match) {
      best = &id;
      best_match = match;
    }
    return best_match < bound;
  });
  if (best == nullptr) {
    return std::nullopt;
  }
  return *best;
}

void worker_roster::start(const std::string& worker_id, const std::string& prompt_id) {
  if (auto it = workers_.find(worker_id); it != workers_.end()) {
    free_.remove(it->first, it->second);
    it->second.running.insert(prompt_id);
    index(it->first, it->second);
  }
}

void worker_roster::finish(const std::string& worker_id, const std::string& prompt_id,
                           const std::vector<std::uint64_t>& signatures) {
  auto it = workers_.find(worker_id);
  if (it == workers_.end() || it->second.running.count(prompt_id) == 0) {
    return;
  }
  auto& w = it->second;
  free_.remove(it->first, w);
  w.running.erase(prompt_id);
  ++w.completed;
  w.cached = signatures;
  index(it->first, w);
}

}  // namespace drover::coordinator
