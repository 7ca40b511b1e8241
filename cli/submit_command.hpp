#pragma once

// `drover submit`: sends workflows to a farm's gateway through ComfyUI's
// public API, follows them, and saves their outputs (docs/submit.md).

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace drover::cli {

struct submit_options {
  std::string url = "http://127.0.0.1:8188";
  std::string out_dir = "drover-out";
  bool json = false;              ///< JSON lines even on a terminal
  bool no_wait = false;           ///< print the prompt ids once queued and stop
  bool print_api = false;         ///< print the API-format prompts; submit nothing
  std::vector<std::string> sets;  ///< NODE.INPUT=VALUE
  std::uint32_t repeat = 1;
  std::vector<std::string> vary;  ///< NODE.INPUT
  std::string matrix;             ///< CSV file path
  std::string client_id;          ///< empty: a fresh one
  std::vector<std::string> workflows;
};

/// Declares the `submit` subcommand and its options on `app`, filling
/// `options` when parsed.
CLI::App* add_submit_command(CLI::App& app, submit_options& options);

/// Runs `drover submit`; returns its exit code (client::exit_code). Requires
/// `actors::block_termination_signals()` to have run: SIGINT and SIGTERM
/// cancel the batch.
int run_submit(const submit_options& options);

}  // namespace drover::cli
