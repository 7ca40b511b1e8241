#pragma once

// `drover status`: prints the farm a gateway serves (GET /drover/status).

#include <string>

namespace drover::cli {

struct status_options {
  std::string url = "http://127.0.0.1:8188";
  bool watch = false;  ///< redraw every second until Ctrl-C
  bool json = false;   ///< print the endpoint's JSON instead of the table
};

/// Runs the command; returns the exit code: 0 when the farm answered, 1 when
/// the gateway could not be reached or answered an error (said on stderr),
/// 2 on a malformed URL.
int run_status(const status_options& options);

}  // namespace drover::cli
