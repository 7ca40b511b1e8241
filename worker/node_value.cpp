#include "worker/node_value.hpp"

#include <algorithm>

namespace drover::worker {

node_failure::node_failure(const actors::error& e) : message(e.message) {
  switch (e.code) {
    case actors::errc::invalid_input:
      exception_type = "ValueError";
      break;
    case actors::errc::not_found:
      exception_type = "FileNotFoundError";
      break;
    case actors::errc::io_failure:
      exception_type = "OSError";
      break;
    case actors::errc::timeout:
      exception_type = "TimeoutError";
      break;
    case actors::errc::unavailable:
    case actors::errc::protocol:
      exception_type = "ConnectionError";
      break;
    case actors::errc::interrupted:
      exception_type = interrupt_type;
      break;
    case actors::errc::execution:
      exception_type = e.message.rfind("Allocation on device", 0) == 0
                           ? "torch.OutOfMemoryError"
                           : "RuntimeError";
      break;
    case actors::errc::internal:
      exception_type = "RuntimeError";
      break;
  }
}

node_value make_value_list(std::vector<node_value> items) {
  if (items.size() == 1) {
    return std::move(items.front());
  }
  return std::make_shared<const value_list>(value_list{std::move(items)});
}

std::size_t value_count(const node_value& value) {
  const auto* list = std::get_if<value_list_ptr>(&value);
  return list != nullptr && *list ? (*list)->items.size() : 1;
}

const node_value& value_item(const node_value& value, std::size_t index) {
  const auto* list = std::get_if<value_list_ptr>(&value);
  if (list == nullptr || !*list) {
    return value;
  }
  const auto& items = (*list)->items;
  return items[std::min(index, items.size() - 1)];
}

std::string describe_value(const node_value& value) {
  if (const auto* list = std::get_if<value_list_ptr>(&value)) {
    // Python's str() of a list shows each item's repr.
    std::string text = "[";
    if (*list) {
      for (const auto& item : (*list)->items) {
        text += text.size() > 1 ? ", " : "";
        const auto* j = std::get_if<json>(&item);
        text += j != nullptr && j->is_string() ? "'" + j->get<std::string>() + "'"
                                               : describe_value(item);
      }
    }
    return text + "]";
  }
  if (const auto* t = std::get_if<tensor_ptr>(&value)) {
    return *t ? "tensor(shape=" + (*t)->shape_string() + ")" : "None";
  }
  if (const auto* l = std::get_if<latent_ptr>(&value)) {
    return *l && (*l)->samples
               ? "{'samples': tensor(shape=" + (*l)->samples->shape_string() + ")}"
               : "None";
  }
  const auto& j = std::get<json>(value);
  return j.is_string() ? j.get<std::string>() : j.dump();
}

}  // namespace drover::worker
