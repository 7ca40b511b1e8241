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

struct value_list;
using value_list_ptr = std::shared_ptr<const value_list>;

/// What flows along a link or sits in a widget: a primitive (INT, FLOAT,
/// STRING, BOOLEAN, combo choice) as JSON, a tensor (IMAGE, MASK), a latent
/// (LATENT), or a list of those (value_list).
using node_value = std::variant<json, tensor_ptr, latent_ptr, value_list_ptr>;

/// Several values along one link, as ComfyUI's list outputs carry them: what
/// an output declared in `output_is_list` returns, or what a node produces
/// when the executor maps it over a list input. The executor never stores a
/// list of exactly one value: that is the value itself. Nested lists do not
/// occur; an item is never a value_list.
struct value_list {
  std::vector<node_value> items;
};

/// `items` as one node value: the value itself when there is exactly one,
/// a value_list otherwise (also when empty).
node_value make_value_list(std::vector<node_value> items);

/// How many values `value` carries along its link: a list's size, else 1.
std::size_t value_count(const node_value& value);

/// The `index`-th value `value` carries; ComfyUI's mapping repeats a shorter
/// list's last value, and so does this for any `index` past the end. A single
/// value is its own every item. Must not be called on an empty list.
const node_value& value_item(const node_value& value, std::size_t index);

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
  /// have raised for the same cause, so that `DROVER_TRY` works in nodes. An
  /// execution error that starts with "Allocation on device" is
  /// torch.OutOfMemoryError.
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
