#include "worker/string_nodes.hpp"

#include "worker/comfy_v3.hpp"
#include "worker/node_call.hpp"
#include "worker/python_regex.hpp"

namespace drover::worker {

namespace {

node_outcome text_result(std::string text) {
  return node_result{{json(std::move(text))}, nullptr};
}

node_outcome concatenate(node_call& call) {
  DROVER_TRY(a, call.string("string_a"));
  DROVER_TRY(b, call.string("string_b"));
  DROVER_TRY(delimiter, call.string("delimiter"));
  return text_result(a + delimiter + b);
}

/// Python's str.replace: an empty `find` inserts `replace` around every code point.
std::string python_replace(const std::string& text, const std::string& find,
                           const std::string& replace) {
  std::string out;
  if (find.empty()) {
    out += replace;
    for (std::size_t i = 0; i < text.size(); ++i) {
      out += text[i];
      const bool ends_code_point =
          i + 1 == text.size() ||
          (static_cast<unsigned char>(text[i + 1]) & 0xC0) != 0x80;
      if (ends_code_point) {
        out += replace;
      }
    }
    return out;
  }
  std::size_t from = 0;
  for (auto at = text.find(find); at != std::string::npos; at = text.find(find, from)) {
    out.append(text, from, at - from);
    out += replace;
    from = at + find.size();
  }
  out.append(text, from, std::string::npos);
  return out;
}

node_outcome replace(node_call& call) {
  DROVER_TRY(text, call.string("string"));
  DROVER_TRY(find, call.string("find"));
  DROVER_TRY(with, call.string("replace"));
  return text_result(python_replace(text, find, with));
}

/// An optional input's value, or its default when the prompt leaves it out.
template <typename T, typename F>
actors::result<T> optional_input(const node_call& call, std::string_view name, T def,
                                 F get) {
  if (!call.has(name)) {
    return def;
  }
  return (call.*get)(name);
}

node_outcome regex_replace(node_call& call) {
  DROVER_TRY(text, call.string("string"));
  DROVER_TRY(pattern, call.string("regex_pattern"));
  DROVER_TRY(with, call.string("replace"));
  python_regex_flags flags;
  DROVER_TRY(icase, optional_input(call, "case_insensitive", true, &node_call::boolean));
  DROVER_TRY(multiline, optional_input(call, "multiline", false, &node_call::boolean));
  DROVER_TRY(dotall, optional_input(call, "dotall", false, &node_call::boolean));
  DROVER_TRY(count, optional_input(call, "count", std::int64_t{0}, &node_call::integer));
  flags.ignore_case = icase;
  flags.multiline = multiline;
  flags.dotall = dotall;
  auto out = python_re_sub(pattern, with, text, count, flags);
  if (!out) {
    return out.error();
  }
  return text_result(std::move(out).value());
}

node_definition string_class(std::string name, std::string display_name,
                             node_function run) {
  node_definition d;
  d.class_type = std::move(name);
  d.display_name = std::move(display_name);
  d.category = "utils/string";
  d.python_module = "comfy_extras.nodes_string";
  d.run = std::move(run);
  return d;
}

const json multiline_text = {{"multiline", true}};

}  // namespace

actors::result<void> register_string_nodes(node_registry& registry) {
  auto concat = string_class("StringConcatenate", "Concatenate", concatenate);
  concat.required("string_a", "STRING", multiline_text)
      .required("string_b", "STRING", multiline_text)
      .required("delimiter", "STRING", {{"multiline", false}, {"default", ""}})
      .output("STRING");

  auto plain = string_class("StringReplace", "Replace", replace);
  plain.required("string", "STRING", multiline_text)
      .required("find", "STRING", multiline_text)
      .required("replace", "STRING", multiline_text)
      .output("STRING");

  auto regex = string_class("RegexReplace", "Regex Replace", regex_replace);
  regex.required("string", "STRING", multiline_text)
      .required("regex_pattern", "STRING", multiline_text)
      .required("replace", "STRING", multiline_text)
      .optional("case_insensitive", "BOOLEAN", {{"default", true}})
      .optional("multiline", "BOOLEAN", {{"default", false}})
      .optional("dotall", "BOOLEAN", {{"default", false}})
      .optional("count", "INT", {{"default", 0}, {"min", 0}, {"max", 100}})
      .output("STRING");
  regex.description = "Find and replace text using regex patterns.";

  for (auto* d : {&concat, &plain, &regex}) {
    mark_v3(*d);
    DROVER_TRYV(registry.add(std::move(*d)));
  }
  return actors::ok();
}

}  // namespace drover::worker
