#include "actors/log.hpp"

#include <mutex>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>

namespace drover::actors {

namespace {

std::mutex registry_mutex;

spdlog::sink_ptr shared_sink() {
  static spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  return sink;
}

}  // namespace

void init_logging(std::string_view level) {
  auto parsed = spdlog::level::from_str(std::string{level});
  if (parsed == spdlog::level::off && level != "off") {
    parsed = spdlog::level::info;
  }
  spdlog::set_level(parsed);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %n %v", spdlog::pattern_time_type::utc);
  spdlog::flush_on(spdlog::level::info);
}

std::shared_ptr<spdlog::logger> logger(std::string_view component) {
  std::lock_guard<std::mutex> guard{registry_mutex};
  std::string name{component};
  if (auto existing = spdlog::get(name)) {
    return existing;
  }
  auto created = std::make_shared<spdlog::logger>(name, shared_sink());
  created->set_level(spdlog::get_level());
  created->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %n %v", spdlog::pattern_time_type::utc);
  created->flush_on(spdlog::level::info);
  spdlog::register_logger(created);
  return created;
}

}  // namespace drover::actors
