#include "worker/node_call.hpp"

#include <cmath>

namespace drover::worker {

namespace {

actors::error bad_input(std::string_view name, const char* wanted) {
  return actors::error{actors::errc::invalid_input,
                       "input '" + std::string{name} + "' is not " + wanted};
}

}  // namespace

const node_value* node_call::find(std::string_view name) const {
  for (const auto& [input_name, value] : inputs_) {
    if (input_name != name) {
      continue;
    }
    if (const auto* list = std::get_if<value_list_ptr>(&value)) {
      return *list && !(*list)->items.empty() ? &(*list)->items.front() : nullptr;
    }
    return &value;
  }
  return nullptr;
}

std::vector<node_value> node_call::items(std::string_view name) const {
  for (const auto& [input_name, value] : inputs_) {
    if (input_name != name) {
      continue;
    }
    if (const auto* list = std::get_if<value_list_ptr>(&value)) {
      return *list ? (*list)->items : std::vector<node_value>{};
    }
    return {value};
  }
  return {};
}

actors::result<const json*> node_call::primitive(std::string_view name) const {
  const auto* value = find(name);
  if (value == nullptr) {
    return actors::fail(actors::errc::invalid_input,
                        "missing input '" + std::string{name} + "'");
  }
  const auto* j = std::get_if<json>(value);
  if (j == nullptr) {
    return bad_input(name, "a primitive value");
  }
  return j;
}

actors::result<std::int64_t> node_call::integer(std::string_view name) const {
  DROVER_TRY(j, primitive(name));
  if (j->is_number_unsigned()) {
    auto u = j->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) {
      return bad_input(name, "an integer in range");
    }
    return static_cast<std::int64_t>(u);
  }
  if (j->is_number_integer()) {
    return j->get<std::int64_t>();
  }
  if (j->is_number_float()) {
    // ComfyUI converts with int(), which truncates toward zero.
    auto d = j->get<double>();
    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) {
      return bad_input(name, "an integer in range");
    }
    return static_cast<std::int64_t>(d);
  }
  return bad_input(name, "an integer");
}

actors::result<double> node_call::number(std::string_view name) const {
  DROVER_TRY(j, primitive(name));
  if (!j->is_number()) {
    return bad_input(name, "a number");
  }
  return j->get<double>();
}

actors::result<std::string> node_call::string(std::string_view name) const {
  DROVER_TRY(j, primitive(name));
  if (!j->is_string()) {
    return bad_input(name, "a string");
  }
  return j->get<std::string>();
}

actors::result<bool> node_call::boolean(std::string_view name) const {
  DROVER_TRY(j, primitive(name));
  if (!j->is_boolean()) {
    return bad_input(name, "a boolean");
  }
  return j->get<bool>();
}

actors::result<tensor_ptr> node_call::tensor_input(std::string_view name) const {
  const auto* value = find(name);
  if (value == nullptr) {
    return actors::fail(actors::errc::invalid_input,
                        "missing input '" + std::string{name} + "'");
  }
  const auto* t = std::get_if<tensor_ptr>(value);
  if (t == nullptr || !*t) {
    return bad_input(name, "a tensor");
  }
  return *t;
}

actors::result<latent_ptr> node_call::latent_input(std::string_view name) const {
  const auto* value = find(name);
  if (value == nullptr) {
    return actors::fail(actors::errc::invalid_input,
                        "missing input '" + std::string{name} + "'");
  }
  const auto* l = std::get_if<latent_ptr>(value);
  if (l == nullptr || !*l || !(*l)->samples) {
    return bad_input(name, "a latent");
  }
  return *l;
}

}  // namespace drover::worker
