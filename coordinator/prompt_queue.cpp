#include "coordinator/prompt_queue.hpp"

namespace drover::coordinator {

void prompt_queue::assign(std::vector<queued_prompt> rows) {
  prompts_.clear();
  places_.clear();
  pending_.clear();
  for (auto& p : rows) {
    insert(std::move(p));
  }
}

void prompt_queue::insert(queued_prompt p) {
  auto at = place_of(p);
  places_[p.prompt_id] = at;
  auto [it, added] = prompts_.insert_or_assign(at, std::move(p));
  if (it->second.running) {
    pending_.erase(at);
  } else {
    pending_[at] = &it->second;
  }
}

queued_prompt* prompt_queue::find(const std::string& prompt_id) {
  auto at = places_.find(prompt_id);
  if (at == places_.end()) {
    return nullptr;
  }
  auto it = prompts_.find(at->second);
  return it == prompts_.end() ? nullptr : &it->second;
}

bool prompt_queue::erase(const std::string& prompt_id) {
  auto at = places_.find(prompt_id);
  if (at == places_.end()) {
    return false;
  }
  prompts_.erase(at->second);
  pending_.erase(at->second);
  places_.erase(at);
  return true;
}

std::size_t prompt_queue::erase_if(
    const std::function<bool(const queued_prompt&)>& remove) {
  std::size_t removed = 0;
  for (auto it = prompts_.begin(); it != prompts_.end();) {
    if (remove(it->second)) {
      places_.erase(it->second.prompt_id);
      pending_.erase(it->first);
      it = prompts_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

void prompt_queue::requeue(const std::string& prompt_id) {
  auto at = places_.find(prompt_id);
  if (at == places_.end()) {
    return;
  }
  auto node = prompts_.extract(at->second);
  if (node.empty()) {
    return;
  }
  pending_.erase(at->second);
  node.key() = place_of(node.mapped());
  at->second = node.key();
  auto moved = prompts_.insert(std::move(node)).position;
  if (!moved->second.running) {
    pending_[moved->first] = &moved->second;
  }
}

void prompt_queue::set_running(queued_prompt& p, bool running) {
  p.running = running;
  auto at = place_of(p);
  if (running) {
    pending_.erase(at);
  } else if (prompts_.count(at) != 0) {
    pending_[at] = &p;
  }
}

void prompt_queue::each_until(const std::function<bool(queued_prompt&)>& visit) {
  for (auto& [at, p] : prompts_) {
    if (!visit(p)) {
      return;
    }
  }
}

void prompt_queue::each_pending_until(const std::function<bool(queued_prompt&)>& visit) {
  for (auto& [at, p] : pending_) {
    if (!visit(*p)) {
      return;
    }
  }
}

void prompt_queue::each(const std::function<void(const queued_prompt&)>& visit) const {
  for (const auto& [at, p] : prompts_) {
    visit(p);
  }
}

}  // namespace drover::coordinator
