#pragma once

#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

namespace drover::actors {

/// Sets the process-wide log format and level. Call once from main, before any
/// thread logs. Every line goes to stderr as
/// `2026-12-04T05:00:00.123Z info coordinator prompt queued prompt_id=… number=3`:
/// a short lowercase event phrase, then `key=value` fields with stable names.
/// `level` is one of trace, debug, info, warn, error, off; unknown means info.
void init_logging(std::string_view level);

/// The logger of one component (`coordinator`, `worker`, `gateway`,
/// `transport`, `cli`). Thread-safe; the same name returns the same logger.
std::shared_ptr<spdlog::logger> logger(std::string_view component);

}  // namespace drover::actors
