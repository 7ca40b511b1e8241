#include "worker/python_regex.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <variant>
#include <vector>

namespace drover::worker {

namespace {

using sub_result = actors::outcome::result<std::string, node_failure,
                                           actors::outcome::policy::terminate>;

/// Python's re.error text: "<what> at position <p>", positions in code points,
/// with line and column when the pattern spans lines.
node_failure re_error(std::string_view pattern, const std::string& what,
                      std::size_t byte_pos) {
  auto code_points = [&](std::size_t from, std::size_t to) {
    std::size_t n = 0;
    for (std::size_t i = from; i < to && i < pattern.size(); ++i) {
      n += (static_cast<unsigned char>(pattern[i]) & 0xC0) != 0x80;
    }
    return n;
  };
  std::string text = what + " at position " + std::to_string(code_points(0, byte_pos));
  if (pattern.find('\n') != std::string_view::npos) {
    auto before = pattern.substr(0, byte_pos);
    std::size_t line =
        1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    auto last = before.rfind('\n');
    std::size_t column = last == std::string_view::npos ? code_points(0, byte_pos) + 1
                                                        : code_points(last, byte_pos);
    text += " (line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
  }
  return node_failure{"re.error", text};
}

node_failure unsupported(std::string_view what) {
  return node_failure{"NotImplementedError",
                      "drover's RegexReplace does not support " + std::string{what}};
}

struct translated {
  std::string ecma;
  int groups = 0;
  std::map<std::string, int> names;
};

using translate_result =
    actors::outcome::result<translated, node_failure, actors::outcome::policy::terminate>;

bool is_quantifier_brace(std::string_view p, std::size_t i, std::size_t& end) {
  std::size_t j = i + 1;
  bool digits = false;
  while (j < p.size() &&
         (std::isdigit(static_cast<unsigned char>(p[j])) || p[j] == ',')) {
    digits = digits || p[j] != ',';
    ++j;
  }
  end = j;
  return digits && j < p.size() && p[j] == '}';
}

/// Copies a character class starting at `i` ('['); returns the index after it.
actors::outcome::result<std::size_t, node_failure, actors::outcome::policy::terminate>
copy_class(std::string_view p, std::size_t i, std::string& out) {
  const auto start = i;
  out += '[';
  ++i;
  if (i < p.size() && p[i] == '^') {
    out += '^';
    ++i;
  }
  if (i < p.size() && p[i] == ']') {  // Python reads a leading ] literally
    out += "\\]";
    ++i;
  }
  while (i < p.size() && p[i] != ']') {
    if (p[i] == '\\' && i + 1 < p.size()) {
      out += p.substr(i, 2);
      i += 2;
    } else {
      out += p[i++];
    }
  }
  if (i >= p.size()) {
    return re_error(p, "unterminated character set", start);
  }
  out += ']';
  return i + 1;
}

/// Python's pattern syntax as ECMAScript, with Python's syntax errors.
translate_result translate(std::string_view p, python_regex_flags flags) {
  translated t;
  std::vector<std::size_t> open;
  bool term_start = true, after_quantifier = false;
  for (std::size_t i = 0; i < p.size();) {
    const char c = p[i];
    const bool quantifier = c == '*' || c == '+' || c == '?';
    std::size_t brace_end = 0;
    if (quantifier || (c == '{' && is_quantifier_brace(p, i, brace_end))) {
      if (term_start) {
        return re_error(p, "nothing to repeat", i);
      }
      if (after_quantifier) {
        return re_error(p, "multiple repeat", i);
      }
      const auto end = quantifier ? i + 1 : brace_end + 1;
      t.ecma += p.substr(i, end - i);
      i = end;
      if (i < p.size() && p[i] == '?') {  // lazy
        t.ecma += '?';
        ++i;
      }
      after_quantifier = true;
      continue;
    }
    after_quantifier = false;
    term_start = false;
    if (c == '\\') {
      if (i + 1 >= p.size()) {
        return re_error(p, "bad escape (end of pattern)", i);
      }
      const char e = p[i + 1];
      if (e == 'A' && flags.multiline) {
        return unsupported("\\A with multiline");
      } else if (e == 'A') {
        t.ecma += '^';
      } else if (e == 'Z') {
        t.ecma += "(?![\\s\\S])";  // the very end, whatever the flags
      } else if (e == 'a') {
        t.ecma += "\\x07";
      } else if (e == 'U' || e == 'N') {
        return unsupported(std::string{"the escape \\"} + e);
      } else if (std::isalpha(static_cast<unsigned char>(e)) &&
                 std::string_view{"bBdDfnrsStvwWxu"}.find(e) == std::string_view::npos) {
        return re_error(p, std::string{"bad escape \\"} + e, i);
      } else {
        t.ecma += p.substr(i, 2);
      }
      i += 2;
    } else if (c == '[') {
      DROVER_TRY(next, copy_class(p, i, t.ecma));
      i = next;
    } else if (c == '(') {
      term_start = true;
      auto rest = p.substr(i + 1);
      if (rest.rfind("?:", 0) == 0 || rest.rfind("?=", 0) == 0 ||
          rest.rfind("?!", 0) == 0) {
        t.ecma += p.substr(i, 3);
        open.push_back(i);
        i += 3;
      } else if (rest.rfind("?P<", 0) == 0) {
        auto close = p.find('>', i + 4);
        if (close == std::string_view::npos) {
          return re_error(p, "missing >, unterminated name", i + 4);
        }
        t.names[std::string{p.substr(i + 4, close - i - 4)}] = ++t.groups;
        t.ecma += '(';
        open.push_back(i);
        i = close + 1;
      } else if (rest.rfind("?", 0) == 0) {
        return unsupported("the group extension (" + std::string{rest.substr(0, 3)});
      } else {
        ++t.groups;
        t.ecma += '(';
        open.push_back(i);
        ++i;
      }
    } else if (c == ')') {
      if (open.empty()) {
        return re_error(p, "unbalanced parenthesis", i);
      }
      open.pop_back();
      t.ecma += ')';
      ++i;
    } else if (c == '|') {
      term_start = true;
      t.ecma += '|';
      ++i;
    } else if (c == '.') {
      t.ecma += flags.dotall ? "[\\s\\S]" : "[^\\n]";
      ++i;
    } else if (c == '$' && !flags.multiline) {
      t.ecma += "(?=\\n?$)";  // Python's $ also matches before a final newline
      ++i;
    } else if (c == '{' || c == '}') {  // not a quantifier: Python reads it literally
      t.ecma += '\\';
      t.ecma += c;
      ++i;
    } else {
      t.ecma += c;
      ++i;
    }
  }
  if (!open.empty()) {
    return re_error(p, "missing ), unterminated subpattern", open.back());
  }
  return t;
}

/// A replacement template: literal text, or a group number.
using piece = std::variant<std::string, int>;
using template_result = actors::outcome::result<std::vector<piece>, node_failure,
                                                actors::outcome::policy::terminate>;

template_result parse_template(std::string_view r, const translated& t) {
  std::vector<piece> pieces;
  std::string literal;
  auto group = [&](int index, std::size_t pos)
      -> actors::outcome::result<void, node_failure, actors::outcome::policy::terminate> {
    if (index > t.groups) {
      return re_error(r, "invalid group reference " + std::to_string(index), pos);
    }
    pieces.emplace_back(std::move(literal));
    literal.clear();
    pieces.emplace_back(index);
    return actors::outcome::success();
  };
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (r[i] != '\\') {
      literal += r[i];
      continue;
    }
    if (i + 1 >= r.size()) {
      return re_error(r, "bad escape (end of pattern)", i);
    }
    const char e = r[++i];
    if (e == 'g') {
      if (i + 1 >= r.size() || r[i + 1] != '<') {
        return re_error(r, "missing <", i + 1);
      }
      auto close = r.find('>', i + 2);
      if (close == std::string_view::npos) {
        return re_error(r, "missing >, unterminated name", i + 2);
      }
      std::string name{r.substr(i + 2, close - i - 2)};
      auto named = t.names.find(name);
      if (named != t.names.end()) {
        DROVER_TRYV(group(named->second, i + 2));
      } else if (!name.empty() &&
                 name.find_first_not_of("0123456789") == std::string::npos &&
                 name.size() < 6) {
        DROVER_TRYV(group(std::stoi(name), i + 2));
      } else {
        return node_failure{"IndexError", "unknown group name '" + name + "'"};
      }
      i = close;
    } else if (e >= '1' && e <= '9') {
      int index = e - '0';
      if (i + 1 < r.size() && std::isdigit(static_cast<unsigned char>(r[i + 1]))) {
        index = index * 10 + (r[++i] - '0');
      }
      DROVER_TRYV(group(index, i - (index >= 10 ? 1 : 0)));
    } else if (e == '0') {
      int value = 0;
      for (int n = 0; n < 2 && i + 1 < r.size() && r[i + 1] >= '0' && r[i + 1] <= '7';
           ++n) {
        value = value * 8 + (r[++i] - '0');
      }
      literal += static_cast<char>(value);
    } else if (e == '\\') {
      literal += '\\';
    } else if (std::string_view{"ntrfvab"}.find(e) != std::string_view::npos) {
      static const std::map<char, char> escapes{{'n', '\n'}, {'t', '\t'}, {'r', '\r'},
                                                {'f', '\f'}, {'v', '\v'}, {'a', '\a'},
                                                {'b', '\b'}};
      literal += escapes.at(e);
    } else if (std::isalpha(static_cast<unsigned char>(e))) {
      return re_error(r, std::string{"bad escape \\"} + e, i - 1);
    } else {
      literal += '\\';
      literal += e;
    }
  }
  pieces.emplace_back(std::move(literal));
  return pieces;
}

}  // namespace

sub_result python_re_sub(std::string_view pattern, std::string_view replacement,
                         std::string_view text, std::int64_t count,
                         python_regex_flags flags) {
  DROVER_TRY(t, translate(pattern, flags));
  DROVER_TRY(pieces, parse_template(replacement, t));
  auto options = std::regex::ECMAScript;
  if (flags.ignore_case) {
    options |= std::regex::icase;
  }
  if (flags.multiline) {
    options |= std::regex::multiline;
  }

  // std::regex reports its own errors (and runaway backtracking) by throwing;
  // they end here as a node failure.
  try {
    std::regex re{t.ecma, options};
    std::string out;
    const char* last = text.data();
    std::int64_t done = 0;
    for (std::cregex_iterator it{text.data(), text.data() + text.size(), re}, end;
         it != end && (count <= 0 || done < count); ++it, ++done) {
      const auto& m = *it;
      out.append(last, m[0].first);
      for (const auto& p : pieces) {
        if (const auto* s = std::get_if<std::string>(&p)) {
          out += *s;
        } else if (m[std::get<int>(p)].matched) {
          out += m[std::get<int>(p)].str();
        }
      }
      last = m[0].second;
    }
    out.append(last, text.data() + text.size());
    return out;
  } catch (const std::regex_error& e) {
    return node_failure{"re.error", e.what()};
  }
}

}  // namespace drover::worker
