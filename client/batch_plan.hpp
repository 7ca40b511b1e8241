#pragma once

// Turns workflows and the variation options of `drover submit` (--set,
// --repeat, --vary, --matrix) into the prompts of one batch, each with a
// client-chosen prompt id derived from what it is, so that submitting the
// same batch again names the same prompts (the farm answers a known id
// without queueing it twice).

#include <cstdint>
#include <string>
#include <vector>

#include "actors/json.hpp"
#include "actors/result.hpp"

namespace drover::client {

/// NODE.INPUT as typed: NODE is a node id or a node title (`_meta.title`).
struct input_ref {
  std::string node;
  std::string input;
};

/// Parses "NODE.INPUT"; the input name is what follows the last dot, so a
/// title may contain dots. Fails with errc::invalid_input.
actors::result<input_ref> parse_input_ref(const std::string& text);

/// One --set: an input and its new value.
struct input_assignment {
  input_ref target;
  json value;
};

/// Parses "NODE.INPUT=VALUE". VALUE is read as JSON when it parses (7, 0.5,
/// true, "x", [1,2]) and otherwise taken as a plain string.
actors::result<input_assignment> parse_assignment(const std::string& text);

/// A --matrix table: one column per NODE.INPUT, one row per prompt.
struct matrix_table {
  std::vector<input_ref> columns;
  std::vector<std::vector<json>> rows;  ///< cells read as --set values are
};

/// Parses CSV text: a header row of NODE.INPUT names, then rows of as many
/// cells (RFC 4180 quoting; blank lines skipped). Fails with
/// errc::invalid_input naming the line.
actors::result<matrix_table> parse_matrix(const std::string& csv);

/// The variation options of one submit.
struct variation_options {
  std::vector<input_assignment> sets;
  std::uint32_t repeat = 1;     ///< copies of each prompt (of each matrix row)
  std::vector<input_ref> vary;  ///< integer inputs stepped by +1 per copy
  matrix_table matrix;          ///< no columns: no matrix
};

/// A workflow already in API format, and a name for it (its file name).
struct named_workflow {
  std::string name;
  json prompt;
};

/// One prompt of the batch.
struct planned_prompt {
  std::string prompt_id;
  std::string workflow;  ///< the named_workflow's name
  json prompt;           ///< API format, variations applied
  json variation;        ///< what was varied: {"copy": i, "row": r, "values": {...}}
};

/// The prompts of a batch: for each workflow, each matrix row (one empty
/// row without a matrix) and each copy, --set values first, then the row's
/// values, then each --vary input plus the copy index. Fails with
/// errc::invalid_input when a NODE names no node or more than one, or a
/// --vary input is not an integer.
actors::result<std::vector<planned_prompt>> plan_batch(
    const std::vector<named_workflow>& workflows, const variation_options& options);

/// A UUID-shaped id (8-4-4-4-12 lowercase hex) derived from a prompt and
/// its variation: equal inputs give equal ids, different ones differ.
std::string derived_prompt_id(const json& prompt, const json& variation);

}  // namespace drover::client
