#include "client/workflow_loader.hpp"

#include <fstream>
#include <optional>
#include <sstream>

#include "client/workflow_convert.hpp"

namespace drover::client {

using actors::errc;
using actors::fail;

namespace {

/// An API-format prompt: a non-empty object of nodes with a class_type.
bool is_api_format(const json& workflow) {
  if (!workflow.is_object() || workflow.empty()) {
    return false;
  }
  for (const auto& node : workflow.items()) {
    if (!node.value().is_object() || !node.value().contains("class_type")) {
      return false;
    }
  }
  return true;
}

}  // namespace

actors::result<std::string> read_text_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    return fail(errc::io_failure, "cannot read " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

actors::result<std::vector<named_workflow>> load_workflows(
    const std::vector<std::string>& paths, const object_info_source& fetch_object_info) {
  std::vector<named_workflow> workflows;
  std::optional<json> object_info;
  for (const auto& path : paths) {
    DROVER_TRY(text, read_text_file(path));
    auto parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded()) {
      return fail(errc::invalid_input, path + ": not JSON");
    }
    // A file saved with "Export (API)" wrapped in {"prompt": ...} is taken too.
    if (parsed.is_object() && parsed.contains("prompt") &&
        is_api_format(parsed["prompt"])) {
      parsed = parsed["prompt"];
    }
    if (is_api_format(parsed)) {
      workflows.push_back({path, std::move(parsed)});
      continue;
    }
    if (!is_editor_format(parsed)) {
      return fail(errc::invalid_input,
                  path + ": neither an API-format prompt nor an editor workflow");
    }
    if (!object_info) {
      DROVER_TRY(info, fetch_object_info());
      object_info = std::move(info);
    }
    auto converted = editor_to_api(parsed, *object_info);
    if (!converted) {
      return fail(errc::invalid_input, path + ": " + converted.error().message);
    }
    workflows.push_back({path, std::move(converted.value())});
  }
  return workflows;
}

}  // namespace drover::client
