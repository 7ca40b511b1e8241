#include "worker/node_pack_loader.hpp"

#include <algorithm>
#include <dlfcn.h>
#include <exception>
#include <filesystem>
#include <set>
#include <system_error>

#include "actors/log.hpp"

namespace drover::worker {

namespace {

using actors::errc;
using actors::fail;

using entry_function = const node_pack_descriptor* (*)();

/// What the registry itself does not check: names an object_info entry and
/// the executor rely on.
actors::result<void> check_class(const node_definition& definition) {
  const auto& name = definition.class_type;
  if (definition.output_names.size() != definition.output_types.size() ||
      definition.output_is_list.size() != definition.output_types.size()) {
    return fail(errc::invalid_input,
                "node class " + name + " has outputs of unequal list lengths");
  }
  std::set<std::string> seen;
  for (const auto& input : definition.inputs) {
    if (input.name.empty() || !seen.insert(input.name).second) {
      return fail(errc::invalid_input, "node class " + name +
                                           " has an unnamed or repeated input '" +
                                           input.name + "'");
    }
  }
  return actors::ok();
}

/// Calls the pack's register function; an exception is the pack's failure.
actors::result<void> call_register(const node_pack_descriptor& pack,
                                   node_registry& staging) {
  try {
    return pack.register_classes(staging);
  } catch (const std::exception& e) {
    return fail(errc::invalid_input, std::string{"register function threw: "} + e.what());
  } catch (...) {
    return fail(errc::invalid_input, "register function threw a non-standard exception");
  }
}

actors::result<void> check_descriptor(const node_pack_descriptor& pack) {
  if (pack.api_version != node_api_version) {
    return fail(errc::invalid_input,
                "built for node API version " + std::to_string(pack.api_version) +
                    ", this worker has " + std::to_string(node_api_version));
  }
  if (pack.layout != node_api_layout()) {
    return fail(errc::invalid_input,
                "built with another compiler or standard library than this worker "
                "(type layouts differ)");
  }
  if (pack.register_classes == nullptr) {
    return fail(errc::invalid_input, "the descriptor has no register function");
  }
  return actors::ok();
}

/// The library's descriptor, or why there is none. `handle` stays open.
actors::result<const node_pack_descriptor*> find_descriptor(void* handle) {
  dlerror();
  void* symbol = dlsym(handle, DROVER_NODE_PACK_ENTRY);
  if (symbol == nullptr) {
    return fail(errc::invalid_input, "no " DROVER_NODE_PACK_ENTRY " entry point");
  }
  auto entry = reinterpret_cast<entry_function>(symbol);
  const node_pack_descriptor* pack = nullptr;
  try {
    pack = entry();
  } catch (...) {
    return fail(errc::invalid_input, DROVER_NODE_PACK_ENTRY " threw an exception");
  }
  if (pack == nullptr) {
    return fail(errc::invalid_input, DROVER_NODE_PACK_ENTRY " returned no descriptor");
  }
  return pack;
}

std::string safe_text(const char* text) {
  return text == nullptr ? std::string{} : std::string{text};
}

/// Every `*.so` directly in `folder`, sorted by file name.
actors::result<std::vector<std::filesystem::path>> pack_files(const std::string& folder) {
  std::error_code ec;
  std::filesystem::directory_iterator it{folder, ec};
  if (ec) {
    return fail(errc::not_found,
                "node pack folder " + folder + " cannot be read: " + ec.message());
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : it) {
    if (entry.path().extension() == ".so" && !entry.is_directory(ec)) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.filename() < b.filename(); });
  return files;
}

/// Opens and installs one library; on failure closes it again.
actors::result<loaded_node_pack> load_one(const std::string& path,
                                          node_registry& registry) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return fail(errc::invalid_input, "cannot be opened: " + safe_text(dlerror()));
  }
  auto pack = find_descriptor(handle);
  actors::result<std::vector<std::string>> classes =
      pack ? install_node_pack(*pack.value(), registry)
           : actors::result<std::vector<std::string>>{pack.error()};
  if (!classes) {
    // Nothing of the pack is referenced any more: its staging registry is gone.
    dlclose(handle);
    return classes.error();
  }
  return loaded_node_pack{path, safe_text(pack.value()->name),
                          safe_text(pack.value()->version), std::move(classes.value())};
}

}  // namespace

actors::result<std::vector<std::string>> install_node_pack(
    const node_pack_descriptor& pack, node_registry& registry) {
  DROVER_TRYV(check_descriptor(pack));
  node_registry staging;
  DROVER_TRYV(call_register(pack, staging));

  std::vector<std::string> names;
  auto infos = staging.object_info();
  for (const auto& [name, info] : infos.items()) {
    (void)info;
    DROVER_TRYV(check_class(*staging.find(name)));
    if (registry.find(name) != nullptr) {
      return fail(errc::invalid_input, "node class " + name + " is already registered");
    }
    names.push_back(name);
  }
  if (names.empty()) {
    return fail(errc::invalid_input, "the pack registers no node class");
  }
  for (const auto& name : names) {
    // Cannot fail: every name was checked against `registry` above.
    DROVER_TRYV(registry.add(*staging.find(name)));
  }
  return names;
}

actors::result<node_pack_report> load_node_packs(const std::string& folder,
                                                 node_registry& registry) {
  auto log = actors::logger("worker");
  DROVER_TRY(files, pack_files(folder));
  node_pack_report report;
  for (const auto& file : files) {
    auto path = file.string();
    auto loaded = load_one(path, registry);
    if (!loaded) {
      log->error("node pack refused path={} reason={}", path, loaded.error().message);
      report.refused.push_back({path, loaded.error().message});
      continue;
    }
    log->info("node pack loaded path={} name={} version={} classes={}", path,
              loaded.value().name, loaded.value().version, loaded.value().classes.size());
    report.loaded.push_back(std::move(loaded.value()));
  }
  return report;
}

}  // namespace drover::worker
