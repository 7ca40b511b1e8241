#include "client/batch_plan.hpp"

#include <cstdio>

namespace drover::client {

using actors::errc;
using actors::fail;

namespace {

/// Command-line text must be valid UTF-8 to become part of a JSON prompt.
bool valid_utf8(const std::string& text) {
  try {
    (void)json(text).dump();
    return true;
  } catch (const json::type_error&) {
    return false;  // nlohmann reports ill-formed UTF-8 only by throwing
  }
}

json parse_value(const std::string& text) {
  auto parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) {
    return json(text);
  }
  return parsed;
}

/// The id of the one node `ref.node` names: an id, else a unique title.
actors::result<std::string> find_node(const json& prompt, const input_ref& ref) {
  if (prompt.contains(ref.node)) {
    return ref.node;
  }
  std::vector<std::string> matches;
  for (const auto& item : prompt.items()) {
    const auto& meta = item.value().value("_meta", json::object());
    if (meta.is_object() && meta.value("title", json()) == ref.node) {
      matches.push_back(item.key());
    }
  }
  if (matches.empty()) {
    return fail(errc::invalid_input, "no node has the id or title '" + ref.node + "'");
  }
  if (matches.size() > 1) {
    return fail(errc::invalid_input, "more than one node is titled '" + ref.node +
                                         "'; name it by id (" + matches[0] + ", " +
                                         matches[1] + ")");
  }
  return matches.front();
}

actors::result<void> assign(json& prompt, const input_ref& ref, const json& value,
                            json& applied) {
  DROVER_TRY(id, find_node(prompt, ref));
  auto& node = prompt[id];
  if (!node.is_object()) {
    return fail(errc::invalid_input, "node " + id + " is not an object");
  }
  node["inputs"][ref.input] = value;
  applied[id + "." + ref.input] = value;
  return actors::ok();
}

actors::result<void> step(json& prompt, const input_ref& ref, std::uint32_t copy,
                          json& applied) {
  DROVER_TRY(id, find_node(prompt, ref));
  const json& current =
      prompt[id].value("inputs", json::object()).value(ref.input, json());
  if (!current.is_number_integer()) {
    return fail(errc::invalid_input, "--vary " + ref.node + "." + ref.input +
                                         ": the input is not an integer (" +
                                         current.dump() + ")");
  }
  json next = current.is_number_unsigned()
                  ? json(current.get<std::uint64_t>() + copy)
                  : json(current.get<std::int64_t>() + static_cast<std::int64_t>(copy));
  return assign(prompt, ref, next, applied);
}

actors::result<planned_prompt> plan_one(const named_workflow& workflow,
                                        const variation_options& options, std::size_t row,
                                        std::uint32_t copy) {
  planned_prompt out;
  out.workflow = workflow.name;
  out.prompt = workflow.prompt;
  json applied = json::object();
  for (const auto& set : options.sets) {
    DROVER_TRYV(assign(out.prompt, set.target, set.value, applied));
  }
  const bool has_matrix = !options.matrix.columns.empty();
  if (has_matrix) {
    const auto& cells = options.matrix.rows[row];
    for (std::size_t c = 0; c < cells.size(); ++c) {
      DROVER_TRYV(assign(out.prompt, options.matrix.columns[c], cells[c], applied));
    }
  }
  for (const auto& ref : options.vary) {
    DROVER_TRYV(step(out.prompt, ref, copy, applied));
  }

  out.variation = {{"copy", copy}, {"values", applied}};
  if (has_matrix) {
    out.variation["row"] = row;
  }
  out.prompt_id = derived_prompt_id(out.prompt, out.variation);
  return out;
}

/// Splits one CSV record starting at `pos`; advances `pos` past its line end.
std::vector<std::string> csv_record(const std::string& text, std::size_t& pos) {
  std::vector<std::string> cells{std::string{}};
  bool quoted = false;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (quoted) {
      if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') {
        cells.back() += '"';
        ++pos;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else if (c == '\n') {
      ++pos;
      break;
    } else if (c != '\r') {
      cells.back() += c;
    }
  }
  return cells;
}

/// FNV-1a over `text`, starting from `basis`.
std::uint64_t fnv1a(const std::string& text, std::uint64_t basis) {
  std::uint64_t hash = basis;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

actors::result<std::vector<planned_prompt>> plan_all(
    const std::vector<named_workflow>& workflows, const variation_options& options) {
  std::vector<planned_prompt> batch;
  const std::size_t rows =
      options.matrix.columns.empty() ? 1 : options.matrix.rows.size();
  for (const auto& workflow : workflows) {
    if (!workflow.prompt.is_object() || workflow.prompt.empty()) {
      return fail(errc::invalid_input, workflow.name + ": not an API-format prompt");
    }
    for (std::size_t row = 0; row < rows; ++row) {
      for (std::uint32_t copy = 0; copy < options.repeat; ++copy) {
        auto planned = plan_one(workflow, options, row, copy);
        if (!planned) {
          return fail(errc::invalid_input,
                      workflow.name + ": " + planned.error().message);
        }
        batch.push_back(std::move(planned.value()));
      }
    }
  }
  return batch;
}

}  // namespace

actors::result<input_ref> parse_input_ref(const std::string& text) {
  if (!valid_utf8(text)) {
    return fail(errc::invalid_input, "NODE.INPUT is not valid UTF-8");
  }
  auto dot = text.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size()) {
    return fail(errc::invalid_input, "expected NODE.INPUT, got '" + text + "'");
  }
  return input_ref{text.substr(0, dot), text.substr(dot + 1)};
}

actors::result<input_assignment> parse_assignment(const std::string& text) {
  if (!valid_utf8(text)) {
    return fail(errc::invalid_input, "--set value is not valid UTF-8");
  }
  auto equals = text.find('=');
  if (equals == std::string::npos) {
    return fail(errc::invalid_input, "expected NODE.INPUT=VALUE, got '" + text + "'");
  }
  DROVER_TRY(target, parse_input_ref(text.substr(0, equals)));
  return input_assignment{target, parse_value(text.substr(equals + 1))};
}

actors::result<matrix_table> parse_matrix(const std::string& csv) {
  if (!valid_utf8(csv)) {
    return fail(errc::invalid_input, "the matrix is not valid UTF-8");
  }
  matrix_table table;
  std::size_t pos = 0;
  std::size_t line = 0;
  while (pos < csv.size()) {
    ++line;
    auto cells = csv_record(csv, pos);
    if (cells.size() == 1 && cells[0].empty()) {
      continue;
    }
    if (table.columns.empty()) {
      for (const auto& name : cells) {
        DROVER_TRY(ref, parse_input_ref(name));
        table.columns.push_back(ref);
      }
      continue;
    }
    if (cells.size() != table.columns.size()) {
      return fail(errc::invalid_input, "matrix line " + std::to_string(line) + " has " +
                                           std::to_string(cells.size()) +
                                           " cells, the header " +
                                           std::to_string(table.columns.size()));
    }
    std::vector<json> row;
    for (const auto& cell : cells) {
      row.push_back(parse_value(cell));
    }
    table.rows.push_back(std::move(row));
  }
  if (table.columns.empty() || table.rows.empty()) {
    return fail(errc::invalid_input,
                "the matrix needs a header row and at least one row");
  }
  return table;
}

actors::result<std::vector<planned_prompt>> plan_batch(
    const std::vector<named_workflow>& workflows, const variation_options& options) {
  // A node that is not shaped as the API format says (inputs that are not
  // an object) makes nlohmann throw; that is bad input, not a crash.
  try {
    return plan_all(workflows, options);
  } catch (const json::exception& e) {
    return fail(errc::invalid_input, std::string{"a malformed prompt: "} + e.what());
  }
}

std::string derived_prompt_id(const json& prompt, const json& variation) {
  // nlohmann::json sorts object keys, so equal prompts dump equally whatever
  // order their files listed inputs in.
  const std::string text = nlohmann::json::parse(prompt.dump()).dump() + "\n" +
                           nlohmann::json::parse(variation.dump()).dump();
  std::uint64_t high = fnv1a(text, 0xcbf29ce484222325ull);
  std::uint64_t low = fnv1a(text, high ^ 0x9e3779b97f4a7c15ull);
  // Version 8 (custom) and the RFC 4122 variant, so that it reads as a UUID.
  high = (high & ~0xf000ull) | 0x8000ull;
  low = (low & 0x3fffffffffffffffull) | 0x8000000000000000ull;
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff),
                static_cast<unsigned>(high & 0xffff), static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xffffffffffffull));
  return out;
}

}  // namespace drover::client
