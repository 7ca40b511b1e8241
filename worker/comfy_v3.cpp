#include "worker/comfy_v3.hpp"

namespace drover::worker {

void mark_v3(node_definition& definition) {
  auto& extra = definition.info_overrides;
  extra["api_node"] = false;
  extra["deprecated"] = false;
  extra["experimental"] = false;
  extra["output_matchtypes"] = nullptr;
  if (definition.display_name.empty()) {
    extra["display_name"] = nullptr;
  }
}

std::pair<json, json> v3_combo(std::vector<std::string> options) {
  return {json("COMBO"), json{{"multiselect", false}, {"options", std::move(options)}}};
}

void add_v3_unique_id(node_definition& definition) {
  definition.hidden("unique_id", "UNIQUE_ID");
  definition.info_overrides["input"]["hidden"]["unique_id"] = json::array({"UNIQUE_ID"});
}

}  // namespace drover::worker
