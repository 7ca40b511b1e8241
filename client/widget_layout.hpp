#pragma once

// Which values a ComfyUI editor file stores in a node's `widgets_values`,
// derived from the class's `/object_info` entry the way ComfyUI's frontend
// builds a node's widgets.

#include <string>
#include <vector>

#include "actors/json.hpp"

namespace drover::client {

/// One slot of `widgets_values`.
struct widget_slot {
  std::string input;   ///< the input the value belongs to; empty for a UI-only slot
  json default_value;  ///< the class's default, null when it names none
};

/// The slots of `widgets_values` for a class described by `class_info` (one
/// value of `/object_info`), in order: one per widget input (required, then
/// optional, in `input_order` when present), each followed by an extra
/// UI-only slot when the frontend gives the widget a companion:
/// `control_after_generate` on INT and combo inputs (an INT named `seed` or
/// `noise_seed` gets one unless the option says otherwise), and the upload
/// button of `image_upload`-style combos. Inputs with `forceInput` and
/// non-widget types (IMAGE, MODEL…) take no slot.
std::vector<widget_slot> widget_layout(const json& class_info);

}  // namespace drover::client
