// drover_infra_bench: the infrastructure figures of issue #6, written to
// bench/results/parts/infra.json (the bench-common fragment format).
//
//   drover_infra_bench [--out FILE] [--reps N] [--only NAME,...] [--drover BINARY]
//                      [--event-count N]
//
// NAME is one of: baselines, placement, events, bulk, coordinator_rss,
// gateway_rss.

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "actors/json.hpp"
#include "actors/log.hpp"
#include "bench/infra/bulk_transfer.hpp"
#include "bench/infra/coordinator_memory.hpp"
#include "bench/infra/event_fanout.hpp"
#include "bench/infra/figure_set.hpp"
#include "bench/infra/gateway_memory.hpp"
#include "bench/infra/placement_bench.hpp"
#include "bench/infra/raw_baselines.hpp"

namespace drover::bench {

namespace {

struct options {
  std::string out = DROVER_SOURCE_DIR "/bench/results/parts/infra.json";
  std::string binary = DROVER_BINARY;
  std::size_t event_count = 1000;  ///< progress events per client's prompt
  int reps = 5;
  std::set<std::string> only;
  bool wants(const std::string& name) const { return only.empty() || only.count(name); }
};

constexpr std::size_t event_bytes = 100;

void log_line(const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
}

/// Runs `rep` `reps` times and records its values as `key`; a failed
/// repetition leaves the figure out and says why in the notes.
template <class Rep>
void measure(figure_set& figures, const options& opt, const std::string& key,
             const std::string& unit, const std::string& workload, Rep rep) {
  std::vector<double> samples;
  for (int i = 0; i < opt.reps; ++i) {
    auto value = rep();
    if (!value) {
      figures.note(key + " not measured: " + value.error().message);
      log_line(key + " failed: " + value.error().message);
      return;
    }
    samples.push_back(value.value());
    log_line(key + " rep " + std::to_string(i + 1) + ": " +
             std::to_string(samples.back()));
  }
  figures.add(key, samples, unit, workload);
}

void run_baselines(figure_set& figures, const options& opt) {
  constexpr std::size_t zmq_count = 1'000'000;
  measure(figures, opt, "raw_zmq_msgs_per_s", "msgs/s",
          "cppzmq PUB->SUB, loopback TCP, HWM unlimited, 1,000,000 messages of 100 "
          "bytes, counted at the subscriber",
          [&]() -> actors::result<double> {
            DROVER_TRY(rate, raw_zmq_rate(zmq_count, event_bytes));
            return rate.per_second();
          });

  constexpr std::size_t ws_count = 200'000;
  measure(figures, opt, "raw_ws_frames_per_s", "frames/s",
          "bare Beast WebSocket server -> one client::ws_client, loopback, 200,000 text "
          "frames of 100 bytes, counted at the client",
          [&]() -> actors::result<double> {
            DROVER_TRY(rate, raw_ws_rate(ws_count, event_bytes));
            return rate.per_second();
          });
}

// TODO(#6): one full 100,000-prompt drain per rep once placement nears its
// target (about 2 s a drain); at ~300/s a drain takes 5 minutes, so reps are
// windows of one run.
void run_placement_figure(figure_set& figures, const options& opt) {
  constexpr std::size_t workers = 1000;
  constexpr std::size_t prompts = 100'000;
  constexpr std::size_t window = 2000;
  auto run = run_placement(workers, prompts, window, opt.reps);
  if (!run) {
    figures.note("coordinator_placements_per_s not measured: " + run.error().message);
    log_line("placement failed: " + run.error().message);
    return;
  }
  log_line("placement: queued " + std::to_string(prompts) + " prompts in " +
           std::to_string(run.value().submit_seconds) + " s");
  figures.add("coordinator_placements_per_s", run.value().per_second, "placements/s",
              "coordinator actor in-process, real prompt_store (temp SQLite), 100,000 "
              "distinct trivial prompts queued first, then 1,000 simulated one-slot "
              "workers join and answer each run_fragment at once; each rep is a window "
              "of 2,000 consecutive placements counted at the workers (the first "
              "window, which includes the joins, is not counted)");
  figures.note(
      "coordinator_placements_per_s: reps are consecutive windows of one run "
      "(a full 100,000-prompt drain per rep does not fit the time budget at "
      "the measured rate); the queue holds >= 88,000 prompts throughout");
}

void run_coordinator_rss(figure_set& figures, const options& opt) {
  constexpr std::size_t prompts = 100'000;
  std::vector<double> growth;
  measure(figures, opt, "coordinator_rss_mib_100k_queued", "MiB",
          "real `drover coordinator` process, one worker joined from the bench's CAF "
          "node that never finishes (1 prompt running), 100,000 distinct trivial "
          "prompts submitted through the actor protocol (submit_prompt); VmRSS after, "
          "absolute",
          [&]() -> actors::result<double> {
            DROVER_TRY(rss, coordinator_rss(opt.binary, prompts));
            growth.push_back(rss.after_mib - rss.before_mib);
            log_line("coordinator rss: before " + std::to_string(rss.before_mib) +
                     " MiB, after " + std::to_string(rss.after_mib) + " MiB, queued in " +
                     std::to_string(rss.submit_seconds) + " s");
            return rss.after_mib;
          });
  if (!growth.empty()) {
    figures.note(
        "coordinator_rss_mib_100k_queued: growth over the idle process, median " +
        std::to_string(median(growth)) + " MiB");
  }
}

/// One repetition at five times the events per prompt, for the notes: past
/// a point the gateway stops delivering (issue #6 report).
void probe_event_cliff(figure_set& figures, fanout_setup setup) {
  setup.count *= 5;
  auto done = run_event_fanout(setup, 1, [&](const fanout_run& run) {
    figures.note("events at " + std::to_string(setup.count) + " per prompt (one rep): " +
                 std::to_string(run.received) + " progress messages received in " +
                 std::to_string(run.seconds) + " s, lost " + std::to_string(run.lost) +
                 ", order violations " + std::to_string(run.order_violations) +
                 ", clients dropped " + std::to_string(run.dropped_clients));
  });
  if (!done) {
    figures.note("events at 5x count not measured: " + done.error().message);
  }
}

void run_events(figure_set& figures, const options& opt) {
  fanout_setup setup;
  setup.binary = opt.binary;
  setup.count = opt.event_count;
  std::vector<double> rates;
  std::vector<double> lost;
  std::vector<double> violations;
  std::vector<double> dropped;
  auto done = run_event_fanout(setup, opt.reps, [&](const fanout_run& run) {
    rates.push_back(run.per_second());
    lost.push_back(static_cast<double>(run.lost));
    violations.push_back(static_cast<double>(run.order_violations));
    log_line("events rep: " + std::to_string(run.received) + " progress messages in " +
             std::to_string(run.seconds) + " s, lost " + std::to_string(run.lost) +
             ", order violations " + std::to_string(run.order_violations) +
             ", clients dropped by the gateway " + std::to_string(run.dropped_clients));
    dropped.push_back(static_cast<double>(run.dropped_clients));
  });
  if (!done) {
    figures.note("events_per_s not measured: " + done.error().message);
    log_line("events failed: " + done.error().message);
    return;
  }
  auto workload = "local farm (" + std::to_string(setup.workers) +
                  " workers, 1 gateway, separate processes), " +
                  std::to_string(setup.clients) +
                  " WebSocket clients each submitting one DroverTestProgressFlood "
                  "prompt of " +
                  std::to_string(setup.count) +
                  " progress events with its own client_id; counted and checked "
                  "(1..count in order) at the clients; wall time from the first "
                  "submission to the last execution_success";
  figures.add("events_per_s", rates, "events/s", workload);
  figures.add("events_lost", lost, "events", workload);
  figures.add("order_violations", violations, "events", workload);
  probe_event_cliff(figures, setup);
  figures.note(
      "events: clients the gateway closed as slow (16 MiB queued), "
      "per rep: " +
      json(dropped).dump() + "; their missing events count as lost");
}

void run_bulk(figure_set& figures, const options& opt) {
  constexpr std::size_t mib = 64;
  std::vector<double> put_rates;
  std::vector<double> view_rates;
  auto done = run_bulk_transfer(opt.binary, mib, opt.reps, [&](const bulk_run& run) {
    put_rates.push_back(run.put_mib_per_s());
    view_rates.push_back(run.view_mib_per_s());
    log_line("bulk rep: put " + std::to_string(run.put_seconds) + " s, /view " +
             std::to_string(run.view_seconds) + " s");
  });
  if (!done) {
    figures.note("bulk_mib_per_s not measured: " + done.error().message);
    log_line("bulk failed: " + done.error().message);
    return;
  }
  figures.add("bulk_mib_per_s", put_rates, "MiB/s",
              "64 MiB of pseudo-random bytes put through worker::store_file_sink into "
              "the result store of a real `drover coordinator` process (loopback); "
              "timed from the first byte sent to the store's acknowledgement, after "
              "which GET /view of a real gateway serves exactly those bytes (checked)");
  figures.note(
      "bulk: GET /view of the same 64 MiB through the gateway, whole body read "
      "by client::http_request, median " +
      std::to_string(median(view_rates)) + " MiB/s (not part of the figure)");
}

void run_gateway_rss(figure_set& figures, const options& opt) {
  constexpr std::size_t clients = 1000;
  std::vector<double> growth;
  measure(figures, opt, "gateway_rss_mib_1000_clients", "MiB",
          "real `drover gateway` process (a coordinator, no workers), 1,000 idle "
          "client::ws_client WebSockets connected, each having read its status "
          "message; VmRSS absolute",
          [&]() -> actors::result<double> {
            DROVER_TRY(rss, gateway_rss_with_clients(opt.binary, clients));
            growth.push_back(rss.after_mib - rss.before_mib);
            log_line("gateway rss: before " + std::to_string(rss.before_mib) +
                     " MiB, after " + std::to_string(rss.after_mib) + " MiB");
            return rss.after_mib;
          });
  if (!growth.empty()) {
    figures.note(
        "gateway_rss_mib_1000_clients: growth over the gateway with no client, "
        "median " +
        std::to_string(median(growth)) + " MiB");
  }
}

}  // namespace

int run(int argc, char** argv) {
  options opt;
  CLI::App app{"drover infrastructure benchmarks (issue #6)"};
  app.add_option("--out", opt.out, "the fragment to write");
  app.add_option("--drover", opt.binary, "the drover executable");
  app.add_option("--event-count", opt.event_count, "progress events per client's prompt")
      ->check(CLI::PositiveNumber);
  app.add_option("--reps", opt.reps, "repetitions per figure")
      ->check(CLI::Range(1, 1000));
  app.add_option("--only", opt.only,
                 "parts: baselines, placement, events, bulk, coordinator_rss, "
                 "gateway_rss")
      ->delimiter(',');
  CLI11_PARSE(app, argc, argv);

  // Per-prompt info lines of the in-process coordinator would cost more
  // than the placements measured.
  actors::init_logging("warn");
  figure_set figures{"infra"};
  if (opt.wants("baselines")) {
    run_baselines(figures, opt);
  }
  if (opt.wants("placement")) {
    run_placement_figure(figures, opt);
  }
  if (opt.wants("events")) {
    run_events(figures, opt);
  }
  if (opt.wants("bulk")) {
    run_bulk(figures, opt);
  }
  if (opt.wants("coordinator_rss")) {
    run_coordinator_rss(figures, opt);
  }
  if (opt.wants("gateway_rss")) {
    run_gateway_rss(figures, opt);
  }
  if (auto written = figures.write(opt.out); !written) {
    log_line(written.error().message);
    return 1;
  }
  log_line("wrote " + opt.out);
  return 0;
}

}  // namespace drover::bench

int main(int argc, char** argv) {
  return drover::bench::run(argc, argv);
}
