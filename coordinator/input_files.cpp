#include "coordinator/input_files.hpp"

namespace drover::coordinator {

namespace {

// ComfyUI v0.8.0 filters LoadImage's list by content type but not
// LoadImageMask's; LoadImageOutput names output files, listed by the client.
constexpr store_input store_inputs[] = {
    {"LoadImage", "image", "Invalid image file: ", input_listing::images},
    {"LoadImageMask", "image", "Invalid image file: ", input_listing::all},
    {"LoadImageOutput", "image", "Invalid image file: ", input_listing::none},
    {"LoadLatent", "latent", "Invalid latent file: ", input_listing::latents},
};

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

json choices(input_listing listing, const std::vector<std::string>& files,
             const content_types& types) {
  json out = json::array();
  for (const auto& name : files) {
    bool keep = listing == input_listing::all ||
                (listing == input_listing::images && types.is_image(name)) ||
                (listing == input_listing::latents && ends_with(name, ".latent"));
    if (keep) {
      out.push_back(name);
    }
  }
  return out;
}

/// The `[choices, options]` spec of `input` in a class entry, or null.
json* combo_spec(json& entry, const char* input) {
  auto section = entry.find("input");
  if (section == entry.end() || !section->is_object()) {
    return nullptr;
  }
  for (const char* category : {"required", "optional"}) {
    auto specs = section->find(category);
    if (specs == section->end() || !specs->is_object()) {
      continue;
    }
    auto spec = specs->find(input);
    if (spec != specs->end() && spec->is_array() && !spec->empty() &&
        (*spec)[0].is_array()) {
      return &*spec;
    }
  }
  return nullptr;
}

}  // namespace

const store_input* store_input_of(std::string_view class_type) {
  for (const auto& input : store_inputs) {
    if (class_type == input.class_type) {
      return &input;
    }
  }
  return nullptr;
}

void fill_input_choices(json& catalog, const std::vector<std::string>& input_files,
                        const content_types& types) {
  if (!catalog.is_object()) {
    return;
  }
  for (const auto& input : store_inputs) {
    auto entry = catalog.find(input.class_type);
    if (input.listing == input_listing::none || entry == catalog.end() ||
        !entry->is_object()) {
      continue;
    }
    if (auto* spec = combo_spec(*entry, input.input)) {
      (*spec)[0] = choices(input.listing, input_files, types);
    }
  }
}

}  // namespace drover::coordinator
