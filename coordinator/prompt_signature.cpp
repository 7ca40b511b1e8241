#include "coordinator/prompt_signature.hpp"

#include <algorithm>
#include <atomic>
#include <set>

namespace drover::coordinator {

namespace {

constexpr std::uint64_t fnv_offset = 14695981039346656037ull;
constexpr std::uint64_t fnv_prime = 1099511628211ull;

struct fnv1a {
  std::uint64_t value = fnv_offset;

  void add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      value = (value ^ c) * fnv_prime;
    }
    value = (value ^ 0xff) * fnv_prime;  // field separator
  }
  void add(std::uint64_t number) { add(std::to_string(number)); }
};

bool is_link(const json& value) {
  return value.is_array() && value.size() == 2 && value[0].is_string() &&
         value[1].is_number_integer();
}

/// A value no other node will ever have.
std::uint64_t unique_signature() {
  static std::atomic<std::uint64_t> next{1};
  fnv1a h;
  h.add("unique");
  h.add(next++);
  return h.value;
}

class signer {
 public:
  explicit signer(const json& prompt) : prompt_(prompt) {}

  std::uint64_t sign(const std::string& node_id) {
    if (auto done = signatures_.find(node_id); done != signatures_.end()) {
      return done->second;
    }
    auto node = prompt_.find(node_id);
    if (node == prompt_.end() || !node->is_object() || visiting_.count(node_id) != 0) {
      return unique_signature();
    }
    visiting_.insert(node_id);
    fnv1a h;
    auto type = node->find("class_type");
    h.add(type != node->end() && type->is_string() ? type->get<std::string>() : "");
    auto inputs = node->find("inputs");
    if (inputs != node->end() && inputs->is_object()) {
      // nlohmann's object keeps keys sorted, so the order is canonical.
      for (const auto& [name, value] : inputs->items()) {
        h.add(name);
        if (is_link(value)) {
          h.add(sign(value[0].get<std::string>()));
          h.add(value[1].dump());
        } else {
          h.add(value.dump());
        }
      }
    }
    visiting_.erase(node_id);
    signatures_[node_id] = h.value;
    return h.value;
  }

  std::map<std::string, std::uint64_t> take() { return std::move(signatures_); }

 private:
  const json& prompt_;
  std::set<std::string> visiting_;
  std::map<std::string, std::uint64_t> signatures_;
};

}  // namespace

std::map<std::string, std::uint64_t> node_signatures(const json& prompt) {
  if (!prompt.is_object()) {
    return {};
  }
  signer s{prompt};
  for (const auto& [id, node] : prompt.items()) {
    s.sign(id);
  }
  return s.take();
}

std::vector<std::uint64_t> prompt_signatures(const json& prompt) {
  std::vector<std::uint64_t> out;
  for (const auto& [id, signature] : node_signatures(prompt)) {
    out.push_back(signature);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace drover::coordinator
