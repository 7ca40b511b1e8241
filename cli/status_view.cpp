#include "cli/status_view.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <time.h>
#include <vector>

namespace drover::cli {

namespace {

using row = std::vector<std::string>;

std::string text_of(const json& object, const char* key) {
  if (!object.is_object()) {
    return "-";
  }
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return "-";
  }
  return it->is_string() ? it->get<std::string>() : it->dump();
}

double number_of(const json& object, const char* key, double fallback = -1) {
  if (!object.is_object()) {
    return fallback;
  }
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : fallback;
}

const json& member(const json& object, const char* key) {
  static const json none;
  if (!object.is_object()) {
    return none;
  }
  auto it = object.find(key);
  return it == object.end() ? none : *it;
}

std::string clock_time(double ms) {
  if (ms < 0) {
    return "-";
  }
  auto seconds = static_cast<time_t>(ms / 1000);
  struct tm local {};
  localtime_r(&seconds, &local);
  char text[16];
  std::strftime(text, sizeof text, "%H:%M:%S", &local);
  return text;
}

std::string gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", bytes / (1024.0 * 1024.0 * 1024.0));
  return text;
}

/// "free/total GiB", or "-" when the worker reported no memory.
std::string memory_of(const json& device) {
  auto total = number_of(device, "vram_total");
  auto free = number_of(device, "vram_free");
  if (total <= 0) {
    return "-";
  }
  return (free >= 0 ? gib(free) : std::string{"?"}) + "/" + gib(total) + " GiB free";
}

std::string short_id(const std::string& id) {
  return id.size() > 8 ? id.substr(0, 8) : id;
}

/// "node 3 2/4 40%": the running node, nodes done of all, the node's progress.
std::string progress_of(const json& prompt) {
  const auto& progress = member(prompt, "progress");
  std::string out = "node " + text_of(progress, "node");
  auto done = number_of(progress, "nodes_done");
  auto nodes = number_of(prompt, "nodes");
  if (done >= 0 && nodes > 0) {
    out += " " + std::to_string(static_cast<long>(done)) + "/" +
           std::to_string(static_cast<long>(nodes));
  }
  auto value = number_of(progress, "value");
  auto max = number_of(progress, "max");
  if (value >= 0 && max > 0) {
    out += " " + std::to_string(static_cast<int>(100 * std::min(value / max, 1.0))) + "%";
  }
  return out;
}

row worker_row(const json& w) {
  const auto& running = member(w, "running");
  std::string prompt = "-";
  std::string progress = "-";
  if (running.is_array() && !running.empty()) {
    prompt = short_id(text_of(running[0], "prompt_id"));
    if (running.size() > 1) {
      prompt += " +" + std::to_string(running.size() - 1);
    }
    progress = progress_of(running[0]);
  }
  // A worker with several backends lists a device each: show the first.
  const auto& listed = member(w, "device");
  const auto& device = listed.is_array() && !listed.empty() ? listed[0] : listed;
  return {text_of(w, "name"),
          text_of(w, "host"),
          text_of(w, "pid"),
          text_of(device, "name"),
          memory_of(device),
          text_of(w, "state"),
          prompt,
          progress,
          text_of(w, "completed")};
}

void print_table(std::ostringstream& out, const std::vector<row>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& r : rows) {
    widths.resize(std::max(widths.size(), r.size()));
    for (std::size_t i = 0; i < r.size(); ++i) {
      widths[i] = std::max(widths[i], r[i].size());
    }
  }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) {
        line += std::string(widths[i] - r[i].size() + 2, ' ');
      }
    }
    out << line << "\n";
  }
}

}  // namespace

std::string render_status(const json& status) {
  std::ostringstream out;
  const auto& queue = member(status, "queue");
  out << "drover farm  coordinator " << short_id(text_of(status, "coordinator_id"))
      << "  at " << clock_time(number_of(status, "time_ms")) << "\n";
  out << "queue: " << text_of(queue, "pending") << " pending, "
      << text_of(queue, "running") << " running  retry budget "
      << text_of(status, "retry_budget") << "\n\n";

  std::vector<row> rows{
      {"WORKER", "HOST", "PID", "GPU", "MEMORY", "STATE", "PROMPT", "PROGRESS", "DONE"}};
  const auto& workers = member(status, "workers");
  if (workers.is_array()) {
    for (const auto& w : workers) {
      rows.push_back(worker_row(w));
    }
  }
  print_table(out, rows);
  if (rows.size() == 1) {
    out << "(no worker has joined)\n";
  }

  const auto& failures = member(status, "recent_failures");
  if (failures.is_array() && !failures.empty()) {
    out << "\nrecent failures:\n";
    std::vector<row> lines;
    for (std::size_t i = 0; i < failures.size() && i < 10; ++i) {
      const auto& f = failures[i];
      auto prompt = text_of(f, "prompt_id");
      lines.push_back(
          {"  " + clock_time(number_of(f, "time_ms")), text_of(f, "worker_name"),
           prompt == "-" ? "" : "prompt " + short_id(prompt), text_of(f, "reason")});
    }
    print_table(out, lines);
  }
  return out.str();
}

}  // namespace drover::cli
