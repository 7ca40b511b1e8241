#include "worker/primitive_nodes.hpp"

#include <cstdint>
#include <limits>

#include "worker/comfy_v3.hpp"
#include "worker/node_call.hpp"
#include "worker/python_json.hpp"
#include "worker/tensor_str.hpp"

namespace drover::worker {

namespace {

/// Passes the `value` widget through when it is of the declared kind.
node_function pass_through(bool (json::*is_kind)() const noexcept, std::string kind) {
  return [is_kind, kind](node_call& call) -> node_outcome {
    for (const auto& [name, value] : call.inputs()) {
      const auto* j = std::get_if<json>(&value);
      if (name == "value" && j != nullptr && ((*j).*is_kind)()) {
        return node_result{{*j}, nullptr};
      }
    }
    return node_failure{"ValueError", "value must be " + kind};
  };
}

/// `repr()` of a LATENT dictionary, which ComfyUI's json.dumps cannot write.
/// Keys in the order every native latent class gives them (samples, then
/// noise_mask, then batch_index). TODO(#7): a pack's LATENT is drover's fixed
/// struct, so it can neither add keys nor order them as a Python dict may.
std::string latent_repr(const latent& l) {
  std::string out = "{'samples': " + tensor_str(*l.samples);
  if (l.noise_mask) {
    out += ", 'noise_mask': " + tensor_str(*l.noise_mask);
  }
  if (!l.batch_index.empty()) {
    out += ", 'batch_index': " + python_json_dumps(json(l.batch_index));
  }
  return out + "}";
}

/// The text PreviewAny shows: a string as it is, a number or boolean as
/// Python's str(), a list or dict as json.dumps(indent=4), and what JSON
/// cannot hold (tensors, latents) as Python's str().
std::string preview_text(const node_value& value) {
  if (const auto* j = std::get_if<json>(&value)) {
    if (j->is_string()) {
      return j->get<std::string>();
    }
    if (j->is_boolean()) {
      return j->get<bool>() ? "True" : "False";
    }
    if (j->is_null()) {
      return "None";
    }
    return python_json_dumps(*j, 4);
  }
  if (const auto* t = std::get_if<tensor_ptr>(&value); t != nullptr && *t) {
    return tensor_str(**t);
  }
  if (const auto* l = std::get_if<latent_ptr>(&value);
      l != nullptr && *l && (*l)->samples) {
    return latent_repr(**l);
  }
  return describe_value(value);
}

node_outcome preview_any(node_call& call) {
  std::string text = "None";
  for (const auto& [name, value] : call.inputs()) {
    if (name == "source") {
      text = preview_text(value);
    }
  }
  return node_result{{}, json{{"text", json::array({text})}}};
}

node_definition primitive(std::string name, std::string display_name, std::string type,
                          json options, node_function run) {
  node_definition d;
  d.class_type = std::move(name);
  d.display_name = std::move(display_name);
  d.category = "utils/primitive";
  d.python_module = "comfy_extras.nodes_primitive";
  d.required("value", type, std::move(options)).output(type);
  d.run = std::move(run);
  mark_v3(d);
  return d;
}

}  // namespace

actors::result<void> register_primitive_nodes(node_registry& registry) {
  // V3 bounds these widgets by Python's sys.maxsize.
  constexpr auto maxsize = std::numeric_limits<std::int64_t>::max();
  DROVER_TRYV(registry.add(
      primitive("PrimitiveInt", "Int", "INT",
                {{"min", -maxsize}, {"max", maxsize}, {"control_after_generate", true}},
                pass_through(&json::is_number_integer, "an integer"))));
  DROVER_TRYV(registry.add(primitive("PrimitiveFloat", "Float", "FLOAT",
                                     {{"min", -maxsize}, {"max", maxsize}, {"step", 0.1}},
                                     pass_through(&json::is_number, "a number"))));
  DROVER_TRYV(
      registry.add(primitive("PrimitiveBoolean", "Boolean", "BOOLEAN", json::object(),
                             pass_through(&json::is_boolean, "a boolean"))));
  DROVER_TRYV(registry.add(primitive("PrimitiveString", "String", "STRING",
                                     {{"multiline", false}},
                                     pass_through(&json::is_string, "a string"))));
  DROVER_TRYV(registry.add(primitive("PrimitiveStringMultiline", "String (Multiline)",
                                     "STRING", {{"multiline", true}},
                                     pass_through(&json::is_string, "a string"))));

  node_definition preview;
  preview.class_type = "PreviewAny";
  preview.display_name = "Preview as Text";
  preview.category = "utils";
  preview.python_module = "comfy_extras.nodes_preview_any";
  preview.output_node = true;
  preview.required("source", "*", json::object());
  preview.run = preview_any;
  return registry.add(std::move(preview));
}

}  // namespace drover::worker
