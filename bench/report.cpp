// Merges every fragment in bench/results/parts/ into bench/results/latest.json
// and renders bench/results/latest.md: one row per figure with its target,
// ComfyUI's twin and the ratio beside it where one was measured, then notes.
//   drover_bench_report [--results DIR]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/utsname.h>
#include <thread>

#include <CLI/CLI.hpp>

#include "actors/json.hpp"
#include "actors/log.hpp"
#include "bench/report_targets.hpp"

namespace {

using drover::json;
using namespace drover::bench;
namespace fs = std::filesystem;

std::string first_line_of(const std::string& command) {
  std::string line;
  if (FILE* pipe = popen(command.c_str(), "r"); pipe != nullptr) {
    char buffer[512];
    if (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
      line = buffer;
    }
    pclose(pipe);
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.pop_back();
  }
  return line;
}

/// The value after "key:" of the first line of `path` that starts with `key`.
std::string proc_field(const std::string& path, const std::string& key) {
  std::ifstream in{path};
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) == 0) {
      auto value = line.substr(line.find(':') + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
  }
  return "unknown";
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

json machine_facts() {
  utsname names{};
  uname(&names);
  return {{"cpu_model", proc_field("/proc/cpuinfo", "model name")},
          {"cpu_count", std::thread::hardware_concurrency()},
          {"memory", proc_field("/proc/meminfo", "MemTotal")},
          {"kernel", std::string{names.sysname} + " " + names.release},
          {"compiler", DROVER_COMPILER},
          {"build_type", DROVER_BUILD_TYPE},
          {"git_commit",
           first_line_of("git -C '" DROVER_SOURCE_DIR "' rev-parse HEAD 2>/dev/null")},
          {"date", utc_now()}};
}

/// Copies the figures and notes of one parsed fragment into `merged`.
void add_fragment(const json& fragment, const std::string& name, json& merged) {
  for (const auto& [key, value] : fragment.at("figures").items()) {
    if (!value.is_object() || !value.value("median", json{}).is_number() ||
        !value.value("workload", json(std::string{})).is_string() ||
        !value.value("unit", json(std::string{})).is_string()) {
      merged["notes"].push_back(name + ": figure " + key + " is malformed, left out");
      continue;
    }
    merged["figures"][key] = value;
  }
  for (const auto& line : fragment.value("notes", json::array())) {
    merged["notes"].push_back(fragment.value("part", name) + ": " +
                              (line.is_string() ? line.get<std::string>() : line.dump()));
  }
}

/// Every fragment's figures and notes, in file-name order; a fragment that is
/// not JSON becomes a note, never a crash.
json merge(const fs::path& parts) {
  json merged = {{"figures", json::object()}, {"notes", json::array()}};
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parts, ec)) {
    if (entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in{file};
    std::stringstream text;
    text << in.rdbuf();
    auto fragment = json::parse(text.str(), nullptr, false);
    const auto name = file.filename().string();
    if (fragment.is_discarded() || !fragment.is_object() ||
        !fragment.value("figures", json{}).is_object()) {
      merged["notes"].push_back(name + ": not a fragment, left out");
      continue;
    }
    // A fragment is untrusted input: a field of the wrong type skips it.
    try {
      add_fragment(fragment, name, merged);
    } catch (const json::exception& e) {
      merged["notes"].push_back(name + ": malformed fragment, left out: " + e.what());
    }
  }
  for (const auto& key : expected_figures()) {
    if (!merged["figures"].contains(key)) {
      merged["notes"].push_back(key + ": not measured in this run");
    }
  }
  if (files.empty()) {
    merged["notes"].push_back("no fragment in " + parts.string());
  }
  return merged;
}

std::string number(const json& value) {
  if (!value.is_number()) {
    return "—";
  }
  char text[64];
  const double v = value.get<double>();
  std::snprintf(text, sizeof text, v >= 100 || v == 0 ? "%.0f" : "%.3g", v);
  return text;
}

/// How many times better drover is than ComfyUI on `key`.
std::string ratio(const std::string& key, const json& ours, const json& theirs) {
  const double a = ours.value("median", 0.0);
  const double b = theirs.value("median", 0.0);
  if (a <= 0 || b <= 0) {
    return "—";
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.2f×", larger_is_better(key) ? a / b : b / a);
  return text;
}

std::string verdict(const std::string& key, const json& value, const json& figures) {
  // With a measured ComfyUI twin, a node time is judged by the ratio (≥ 5).
  const auto twin = figures.find("comfyui_" + key);
  if (key.rfind("node_ms_", 0) == 0 && twin != figures.end()) {
    const double ours = value.value("median", 0.0);
    const bool met = ours > 0 && twin->value("median", 0.0) / ours >= 5;
    return "≥ 5× ComfyUI | " + std::string{met ? "met" : "missed"};
  }
  const auto goal = target_of(key);
  if (!goal.has_value()) {
    return "— | no target";
  }
  const auto origin = goal->origin.empty() ? "" : " (" + goal->origin + ")";
  const char* judged = "median";
  if (goal->every_repetition) {
    judged = goal->way == target::direction::at_most ? "max" : "min";
  }
  return goal->text() + origin + " | " +
         (goal->met(value.value(judged, 0.0)) ? "met" : "missed");
}

std::string render(const json& report) {
  std::ostringstream md;
  md << "# drover benchmarks\n\nWritten by `make bench` (bench/report.cpp). Each figure "
        "is the median of its repetitions.\n\n## Machine\n\n";
  for (const auto& [key, value] : report["machine"].items()) {
    md << "- " << key << ": "
       << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
  }
  md << "\n## Figures\n\n| figure | workload | median | min | max | unit | target | "
        "result | ComfyUI | ratio |\n|---|---|---|---|---|---|---|---|---|---|\n";
  const auto& figures = report["figures"];
  for (const auto& [key, value] : figures.items()) {
    if (key.rfind("comfyui_", 0) == 0) {
      continue;
    }
    const auto twin = figures.find("comfyui_" + key);
    const bool paired = twin != figures.end();
    md << "| `" << key << "` | " << value.value("workload", "") << " | "
       << number(value.value("median", json{})) << " | "
       << number(value.value("min", json{})) << " | "
       << number(value.value("max", json{})) << " | " << value.value("unit", "") << " | "
       << verdict(key, value, figures) << " | "
       << (paired ? number(twin->value("median", json{})) : "—") << " | "
       << (paired ? ratio(key, value, *twin) : "—") << " |\n";
  }
  md << "\nRatio: how many times better drover is than ComfyUI (higher is better).\n";
  md << "\n## Notes\n\n";
  for (const auto& line : report["notes"]) {
    md << "- " << line.get<std::string>() << "\n";
  }
  return md.str();
}

bool write_file(const fs::path& path, const std::string& text) {
  std::ofstream out{path, std::ios::trunc};
  out << text;
  out.close();
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  std::string results = std::string{DROVER_SOURCE_DIR} + "/bench/results";
  CLI::App app{"merge benchmark fragments into latest.json and latest.md"};
  app.add_option("--results", results, "folder holding parts/");
  CLI11_PARSE(app, argc, argv);
  drover::actors::init_logging("info");
  auto log = drover::actors::logger("bench");

  auto merged = merge(fs::path{results} / "parts");
  json report = {{"machine", machine_facts()},
                 {"figures", merged["figures"]},
                 {"notes", merged["notes"]}};
  const auto json_path = fs::path{results} / "latest.json";
  const auto md_path = fs::path{results} / "latest.md";
  if (!write_file(json_path, report.dump(2) + "\n") ||
      !write_file(md_path, render(report))) {
    log->error("report not written folder={}", results);
    return 1;
  }
  log->info("report written json={} markdown={} figures={}", json_path.string(),
            md_path.string(), report["figures"].size());
  return 0;
}
