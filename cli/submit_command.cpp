#include "cli/submit_command.hpp"

#include <cstdio>
#include <iostream>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "actors/ids.hpp"
#include "actors/termination.hpp"
#include "client/batch_session.hpp"
#include "client/workflow_loader.hpp"

namespace drover::cli {

namespace {

int submit(const submit_options& options);

int usage_error(const std::string& message) {
  std::fprintf(stderr, "drover submit: %s\n", message.c_str());
  return client::exit_usage;
}

actors::result<client::variation_options> variations(const submit_options& options) {
  client::variation_options out;
  out.repeat = options.repeat;
  for (const auto& text : options.sets) {
    DROVER_TRY(set, client::parse_assignment(text));
    out.sets.push_back(std::move(set));
  }
  for (const auto& text : options.vary) {
    DROVER_TRY(ref, client::parse_input_ref(text));
    out.vary.push_back(std::move(ref));
  }
  if (!options.matrix.empty()) {
    DROVER_TRY(csv, client::read_text_file(options.matrix));
    auto table = client::parse_matrix(csv);
    if (!table) {
      return actors::fail(actors::errc::invalid_input,
                          options.matrix + ": " + table.error().message);
    }
    out.matrix = std::move(table.value());
  }
  return out;
}

/// GET /object_info, for editor files.
actors::result<json> fetch_object_info(const client::gateway_address& address) {
  DROVER_TRY(response, client::http_request(address, "GET", "/object_info"));
  auto parsed = json::parse(response.body, nullptr, false);
  if (response.status != 200 || !parsed.is_object()) {
    return actors::fail(actors::errc::protocol,
                        "GET /object_info answered " + std::to_string(response.status));
  }
  return parsed;
}

/// One prompt: the prompt itself, ready to save as an API file. Several:
/// one JSON object per line with its prompt id.
void print_api(const std::vector<client::planned_prompt>& batch) {
  if (batch.size() == 1) {
    std::cout << batch.front().prompt.dump(2) << '\n';
    return;
  }
  for (const auto& planned : batch) {
    json line = {{"prompt_id", planned.prompt_id},
                 {"workflow", planned.workflow},
                 {"prompt", planned.prompt}};
    std::cout << line.dump() << '\n';
  }
}

}  // namespace

CLI::App* add_submit_command(CLI::App& app, submit_options& options) {
  auto* submit = app.add_subcommand(
      "submit", "Send workflows to a farm, follow them and download their outputs");
  submit->add_option("--url", options.url, "the gateway, http://HOST:PORT")
      ->capture_default_str();
  submit->add_option("--out", options.out_dir, "folder for the outputs")
      ->capture_default_str();
  submit->add_flag("--json", options.json, "one JSON object per line per event");
  submit->add_flag("--no-wait", options.no_wait, "print the prompt ids once queued");
  submit->add_flag("--print-api", options.print_api,
                   "print the API-format prompts instead of submitting them");
  submit->add_option("--set", options.sets, "NODE.INPUT=VALUE; NODE is an id or a title")
      ->type_name("NODE.INPUT=VALUE")
      ->allow_extra_args(false);
  submit->add_option("--repeat", options.repeat, "submit N copies of each prompt")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  submit->add_option("--vary", options.vary, "step this integer input by 1 per copy")
      ->type_name("NODE.INPUT")
      ->allow_extra_args(false);
  submit
      ->add_option("--matrix", options.matrix,
                   "CSV: NODE.INPUT columns, a prompt per row")
      ->type_name("FILE.csv");
  submit->add_option("--client-id", options.client_id,
                     "WebSocket client id (default: new)");
  submit
      ->add_option("workflows", options.workflows, "API-format or editor workflow files")
      ->required()
      ->type_name("WORKFLOW.json");
  return submit;
}

int run_submit(const submit_options& options) {
  // The process edge: a bug that throws still ends with a message and a
  // failing exit code rather than an abort.
  try {
    return submit(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover submit: internal error: %s\n", e.what());
    return client::exit_failed;
  }
}

namespace {

int submit(const submit_options& options) {
  auto address = client::parse_url(options.url);
  if (!address) {
    return usage_error(address.error().message);
  }
  auto varied = variations(options);
  if (!varied) {
    return usage_error(varied.error().message);
  }

  // Everything is checked before anything is submitted.
  auto workflows = client::load_workflows(
      options.workflows, [&] { return fetch_object_info(address.value()); });
  if (!workflows) {
    bool unreachable = workflows.error().code == actors::errc::unavailable ||
                       workflows.error().code == actors::errc::timeout;
    std::fprintf(stderr, "drover submit: %s\n", workflows.error().message.c_str());
    return unreachable ? client::exit_unreachable : client::exit_usage;
  }
  auto batch = client::plan_batch(workflows.value(), varied.value());
  if (!batch) {
    return usage_error(batch.error().message);
  }
  if (options.print_api) {
    print_api(batch.value());
    return client::exit_succeeded;
  }

  client::session_options session;
  session.address = address.value();
  session.client_id =
      options.client_id.empty() ? actors::new_hex_id() : options.client_id;
  session.out_dir = options.out_dir;
  session.wait = !options.no_wait;
  session.json_report = options.json;
  session.wait_signal = [](std::chrono::milliseconds wait) {
    return actors::wait_for_termination_signal_for(wait);
  };

  const bool terminal = !options.json && isatty(STDOUT_FILENO) == 1;
  std::map<std::string, json> prompts;
  for (const auto& planned : batch.value()) {
    prompts[planned.prompt_id] = planned.prompt;
  }
  // --no-wait prints only the ids (or, with --json, the events so far).
  std::ostream discard{nullptr};
  std::ostream& events = options.no_wait && !options.json ? discard : std::cout;
  client::progress_display display{events, terminal, std::move(prompts)};
  client::batch_session run{std::move(session), std::move(batch.value()), display,
                            std::cout};
  return run.run();
}

}  // namespace

}  // namespace drover::cli
