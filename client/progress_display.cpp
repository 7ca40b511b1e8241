#include "client/progress_display.hpp"

#include <cstdio>

namespace drover::client {

namespace {

constexpr auto redraw_interval = std::chrono::milliseconds{100};
constexpr std::size_t bar_width = 24;
constexpr std::size_t max_prompt_lines = 8;

const char* event_name(follow_event::kind kind) {
  switch (kind) {
    case follow_event::kind::started:
      return "started";
    case follow_event::kind::node:
      return "node";
    case follow_event::kind::progress:
      return "progress";
    case follow_event::kind::output:
      return "output";
    case follow_event::kind::succeeded:
      return "succeeded";
    case follow_event::kind::failed:
      return "failed";
  }
  return "?";
}

std::string minutes_seconds(double seconds) {
  long total = static_cast<long>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  return text;
}

json event_json(const batch_follower& follower, const follow_event& e) {
  json line = {{"event", event_name(e.what)}, {"prompt_id", e.prompt_id}};
  const prompt_status* p = follower.status(e.prompt_id);
  if (p == nullptr) {
    return line;
  }
  switch (e.what) {
    case follow_event::kind::node:
      line["node"] = p->current_node;
      break;
    case follow_event::kind::progress:
      line["node"] = p->current_node;
      line["value"] = p->progress_value;
      line["max"] = p->progress_max;
      break;
    case follow_event::kind::output: {
      const auto& file = p->outputs.at(e.output_index);
      line["node"] = file.node;
      line["filename"] = file.filename;
      line["subfolder"] = file.subfolder;
      line["type"] = file.type;
      break;
    }
    case follow_event::kind::failed:
      if (p->failure) {
        line["node_id"] = p->failure->node_id;
        line["node_type"] = p->failure->node_type;
        line["exception_type"] = p->failure->exception_type;
        line["exception_message"] = p->failure->exception_message;
      }
      break;
    default:
      break;
  }
  return line;
}

}  // namespace

progress_display::progress_display(std::ostream& out, bool terminal,
                                   std::map<std::string, json> prompts)
    : out_(out), terminal_(terminal), prompts_(std::move(prompts)) {}

void progress_display::json_line(json line) {
  out_ << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  out_.flush();
}

void progress_display::print_above(const std::string& line) {
  // Erase the live lines, print the permanent one, let the next draw
  // put the bar back below it.
  for (std::size_t i = 0; i < drawn_lines_; ++i) {
    out_ << "\x1b[1A\x1b[2K";
  }
  drawn_lines_ = 0;
  out_ << line << '\n';
  dirty_ = true;
}

void progress_display::queued(const std::string& prompt_id, const std::string& workflow,
                              clock::time_point) {
  if (!terminal_) {
    json_line({{"event", "queued"}, {"prompt_id", prompt_id}, {"workflow", workflow}});
  }
  dirty_ = true;
}

void progress_display::events(const batch_follower& follower,
                              const std::vector<follow_event>& events,
                              clock::time_point now) {
  for (const auto& e : events) {
    if (e.what == follow_event::kind::started && !started_) {
      started_ = true;
      first_start_ = now;
    }
    if (!terminal_) {
      json_line(event_json(follower, e));
      continue;
    }
    dirty_ = true;
    const prompt_status* p = follower.status(e.prompt_id);
    if (e.what == follow_event::kind::failed && p != nullptr && p->failure) {
      print_above("failed " + e.prompt_id.substr(0, 8) + ": node " + p->failure->node_id +
                  " (" + p->failure->node_type + ") " + p->failure->exception_type +
                  ": " + p->failure->exception_message);
    }
  }
  if (terminal_) {
    tick(follower, now);
  }
}

void progress_display::saved(const std::string& prompt_id, const std::string& path,
                             clock::time_point) {
  if (!terminal_) {
    json_line({{"event", "saved"}, {"prompt_id", prompt_id}, {"path", path}});
  }
}

void progress_display::note(const std::string& kind, const std::string& message,
                            clock::time_point) {
  if (!terminal_) {
    json_line({{"event", kind}, {"message", message}});
    return;
  }
  print_above(kind + ": " + message);
}

void progress_display::tick(const batch_follower& follower, clock::time_point now) {
  if (!terminal_ || !dirty_ || now - last_draw_ < redraw_interval) {
    return;
  }
  redraw(follower, now);
}

void progress_display::finish(const batch_follower& follower, clock::time_point now) {
  if (terminal_) {
    redraw(follower, now);
  }
  out_.flush();
}

std::string progress_display::bar_line(const batch_follower& follower,
                                       clock::time_point now) const {
  const std::size_t done = follower.count(prompt_state::done);
  const std::size_t failed = follower.count(prompt_state::failed);
  const std::size_t running = follower.count(prompt_state::running);
  const std::size_t queued = follower.count(prompt_state::queued);
  const std::size_t total = done + failed + running + queued;
  const std::size_t ended = done + failed;

  const std::size_t filled = total == 0 ? 0 : bar_width * ended / total;
  std::string line =
      "[" + std::string(filled, '#') + std::string(bar_width - filled, '-') + "] " +
      std::to_string(ended) + "/" + std::to_string(total) + "  " + std::to_string(done) +
      " done, " + std::to_string(failed) + " failed, " + std::to_string(running) +
      " running, " + std::to_string(queued) + " queued";
  if (started_ && ended > 0 && ended < total) {
    double elapsed = std::chrono::duration<double>(now - first_start_).count();
    line += ", ETA " + minutes_seconds(elapsed / static_cast<double>(ended) *
                                       static_cast<double>(total - ended));
  } else if (started_ && ended == total) {
    line += ", took " +
            minutes_seconds(std::chrono::duration<double>(now - first_start_).count());
  }
  return line;
}

std::string progress_display::prompt_line(const prompt_status& p) const {
  std::string line = "  " + p.prompt_id.substr(0, 8);
  if (p.current_node.empty()) {
    return line + " starting";
  }
  line += " node " + p.current_node;
  auto prompt = prompts_.find(p.prompt_id);
  if (prompt != prompts_.end() && prompt->second.contains(p.current_node)) {
    line += " " + prompt->second[p.current_node].value("class_type", std::string{});
  }
  if (p.progress_max > 0) {
    char fraction[64];
    std::snprintf(fraction, sizeof fraction, " %.0f%%",
                  100.0 * p.progress_value / p.progress_max);
    line += fraction;
  }
  if (!p.worker.empty()) {
    line += " on " + p.worker;
  }
  return line;
}

void progress_display::redraw(const batch_follower& follower, clock::time_point now) {
  std::vector<std::string> lines{bar_line(follower, now)};
  std::size_t running = 0;
  for (const auto* p : follower.prompts()) {
    if (p->state != prompt_state::running) {
      continue;
    }
    if (++running <= max_prompt_lines) {
      lines.push_back(prompt_line(*p));
    }
  }
  if (running > max_prompt_lines) {
    lines.push_back("  … and " + std::to_string(running - max_prompt_lines) + " more");
  }

  for (std::size_t i = 0; i < drawn_lines_; ++i) {
    out_ << "\x1b[1A";
  }
  for (const auto& line : lines) {
    out_ << "\x1b[2K" << line << '\n';
  }
  // Lines left over from a taller previous drawing are cleared.
  for (std::size_t i = lines.size(); i < drawn_lines_; ++i) {
    out_ << "\x1b[2K\n";
  }
  std::size_t extra = drawn_lines_ > lines.size() ? drawn_lines_ - lines.size() : 0;
  for (std::size_t i = 0; i < extra; ++i) {
    out_ << "\x1b[1A";
  }
  drawn_lines_ = lines.size();
  out_.flush();
  dirty_ = false;
  last_draw_ = now;
}

}  // namespace drover::client
