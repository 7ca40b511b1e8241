#include "gateway/gateway_process.hpp"

#include <atomic>
#include <iostream>

#include "actors/ids.hpp"
#include "actors/log.hpp"
#include "actors/ready_line.hpp"
#include "actors/termination.hpp"
#include "gateway/caf_coordinator_link.hpp"
#include "gateway/event_intake.hpp"
#include "gateway/http_server.hpp"
#include "gateway/store_file_source.hpp"

namespace drover::gateway {

namespace {

/// Posts facts and events into the server's io thread. The server pointer is
/// set once the server exists; the CAF and ZeroMQ threads start after that.
struct wiring {
  http_server* server = nullptr;
  event_intake* intake = nullptr;
  store_file_source* files = nullptr;
  std::string coordinator_host;
  std::atomic<bool> ready{false};

  void to_hub(std::function<void(hub&)> work) { server->post(std::move(work)); }
};

fact_sink make_sink(wiring& w) {
  fact_sink sink;
  sink.on_snapshot = [&w](const actors::farm_snapshot& snapshot) {
    w.files->set_endpoint("tcp://" + w.coordinator_host + ":" +
                          std::to_string(snapshot.store_port));
    w.intake->set_workers(snapshot.workers);
    auto n = snapshot.queue_remaining;
    w.to_hub([n](hub& h) { h.set_queue_remaining(n); });
    w.ready = true;
  };
  sink.on_queue_changed = [&w](const actors::queue_changed& f) {
    w.to_hub([f](hub& h) { h.on_queue_changed(f); });
  };
  sink.on_planned = [&w](const actors::prompt_planned& f) {
    w.to_hub([f](hub& h) { h.on_planned(f); });
  };
  sink.on_finished = [&w](const actors::prompt_finished& f) {
    w.to_hub([f](hub& h) { h.on_finished(f); });
  };
  sink.on_worker_joined = [&w](const actors::worker_joined& f) {
    w.intake->add_worker(f.worker);
  };
  sink.on_worker_left = [&w](const actors::worker_left& f) {
    w.intake->remove_worker(f.worker_id);
  };
  return sink;
}

intake_callbacks make_intake_callbacks(wiring& w) {
  intake_callbacks callbacks;
  callbacks.on_event = [&w](actors::event e) {
    w.to_hub([e = std::move(e)](hub& h) mutable { h.on_event(std::move(e)); });
  };
  callbacks.on_replay_answered = [&w](const actors::attempt_key& key, bool known) {
    w.to_hub([key, known](hub& h) { h.on_replay_answered(key, known); });
  };
  return callbacks;
}

/// Waits for the coordinator's first answer; false when a signal came first.
bool await_coordinator(const wiring& w) {
  while (!w.ready) {
    if (actors::wait_for_termination_signal_for(std::chrono::milliseconds{100}) != 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

int run_gateway(const gateway_options& options) {
  auto log = actors::logger("gateway");
  wiring w;
  w.coordinator_host = options.coordinator.host;

  store_file_source files;
  event_intake intake{make_intake_callbacks(w)};
  caf_coordinator_link link{options.coordinator, actors::new_uuid(), make_sink(w)};
  server_options server_opts;
  server_opts.listen = options.listen;
  server_opts.max_upload_bytes = options.max_upload_bytes;
  http_server server{server_opts, link, files};
  w.server = &server;
  w.intake = &intake;
  w.files = &files;
  server.post([&intake](hub& h) {
    h.set_replay_sink([&intake](const replay_request& r) { intake.request_replay(r); });
  });

  auto bound = server.start();
  if (!bound) {
    log->error("gateway cannot listen listen={} error={}", options.listen.to_string(),
               actors::describe(bound.error()));
    return 1;
  }
  intake.start();
  link.start();

  bool serving = await_coordinator(w);
  if (serving) {
    auto listen = bound.value().to_string();
    actors::ready_line ready{"gateway",
                             {{"listen", listen}, {"url", "http://" + listen}}};
    std::cout << ready.to_string() << std::endl;
    log->info("gateway serving listen={} coordinator={}", listen,
              options.coordinator.to_string());
    actors::wait_for_termination_signal();
  }

  // Order matters: the io thread first, so no session waits on CAF; then
  // CAF and ZeroMQ, whose late callbacks only post into the stopped server.
  log->info("gateway stopping");
  server.stop();
  link.stop();
  intake.stop();
  files.stop();
  return 0;
}

}  // namespace drover::gateway
