#pragma once

// Reads the workflow files given to `drover submit`: API-format prompts as
// they are, editor files converted through the farm's /object_info, which
// is fetched only when an editor file needs it.

#include <functional>
#include <string>
#include <vector>

#include "actors/json.hpp"
#include "actors/result.hpp"
#include "client/batch_plan.hpp"

namespace drover::client {

/// Fetches GET /object_info; called at most once per load.
using object_info_source = std::function<actors::result<json>()>;

/// Reads and, where needed, converts each file in `paths`. The workflow's
/// name is the path as given. Fails with errc::invalid_input naming the file
/// (unreadable, not JSON, neither format, or refused by the conversion,
/// which names the node), or with the error of `fetch_object_info`.
actors::result<std::vector<named_workflow>> load_workflows(
    const std::vector<std::string>& paths, const object_info_source& fetch_object_info);

/// Reads a whole text file. Fails with errc::io_failure.
actors::result<std::string> read_text_file(const std::string& path);

}  // namespace drover::client
