#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "actors/error.hpp"
#include "actors/json.hpp"
#include "actors/result.hpp"
#include "worker/tensor.hpp"

namespace drover::worker {

/// ComfyUI's LATENT: a dictionary whose `samples` is a [batch, channels,
/// height/8, width/8] tensor, with an optional `batch_index` (which images of
/// a larger batch these are) and an optional `noise_mask`. Shared read-only
/// between nodes once produced.
struct latent {
  tensor_ptr samples;
  std::vector<std::int64_t> batch_index;  ///< empty when the latent has none
  tensor_ptr noise_mask;                  ///< null when the latent has none
};

using latent_ptr = std::shared_ptr<const latent>;

/// What flows along a link or sits in a widget: a primitive (INT, FLOAT,
/// STRING, BOOLEAN, combo choice) as JSON, a tensor (IMAGE, MASK) or a
/// latent (LATENT).
using node_value = std::variant<json, tensor_ptr, latent_ptr>;

/// Why a node failed, in the terms of ComfyUI's `execution_error`:
/// `exception_type` is what a client sees as the exception's class
/// (`ValueError`, `OSError`, ...), `message` its text.
struct node_failure {
  std::string exception_type;
  std::string message;

  node_failure() = default;
  node_failure(std::string type, std::string text)
      : exception_type(std::move(type)), message(std::move(text)) {}

  /// Maps drover's error kinds to the Python exception a ComfyUI node would
  /// have raised for the same cause, so that `DROVER_TRY` works in nodes. Two
  /// messages name their own type: an execution error that starts with
  /// "Allocation on device" is torch.OutOfMemoryError, and an invalid input
  /// in Python's struct range wording ("'H' format requires ...") is
  /// struct.error.
  node_failure(const actors::error& e);  // NOLINT(google-explicit-constructor)

  /// True for the failure a node returns when it saw the interrupt flag.
  bool is_interrupt() const { return exception_type == interrupt_type; }

  static constexpr const char* interrupt_type =
      "comfy.model_management.InterruptProcessingException";
};

/// A node's return: one value per declared output, and optionally a `ui`
/// dictionary (JSON null when none) that becomes ComfyUI's `executed`.
struct node_result {
  std::vector<node_value> outputs;
  json ui;
};

using node_outcome = actors::outcome::result<node_result, node_failure,
                                             actors::outcome::policy::terminate>;

/// "tensor(shape=[1, 64, 64, 3])" or the JSON text: how a value appears in
/// `current_inputs` of an execution_error.
std::string describe_value(const node_value& value);

}  // namespace drover::worker
