#include "tests/gateway/recorded_session.hpp"

#include <fstream>
#include <stdexcept>

namespace drover::test {

namespace {

using plain_json = nlohmann::json;

/// What the worker emitted for one progress_state change of one node.
void events_for_progress_state(const plain_json& before, const plain_json& after,
                               std::vector<actors::event_body>& out) {
  for (const auto& [node, entry] : after.items()) {
    std::string state = entry["state"];
    auto previous = before.find(node);
    bool was_running =
        previous != before.end() && (*previous)["state"].get<std::string>() == "running";
    bool was_finished =
        previous != before.end() && (*previous)["state"].get<std::string>() == "finished";
    if (state == "running" && !was_running) {
      std::string parent =
          entry["parent_node_id"].is_null() ? "" : entry["parent_node_id"];
      out.push_back(actors::node_started{node, entry["display_node_id"], parent,
                                         entry["real_node_id"]});
    } else if (state == "running" && (*previous)["value"] != entry["value"]) {
      out.push_back(actors::node_progress{node, entry["value"], entry["max"]});
    } else if (state == "finished" && !was_finished) {
      out.push_back(actors::node_finished{node});
    }
  }
}

actors::event make_event(const recorded_run& run, std::int64_t ts,
                         actors::event_body body) {
  actors::event e;
  e.key = actors::attempt_key{run.prompt_id, 0, 0};
  e.seq = run.events.size();
  e.timestamp_ms = ts;
  e.body = std::move(body);
  return e;
}

std::uint64_t remaining(const plain_json& status_message) {
  return status_message["data"]["status"]["exec_info"]["queue_remaining"];
}

}  // namespace

std::vector<plain_json> load_recording(const std::string& file_name) {
  std::ifstream in{std::string{DROVER_TEST_DATA_DIR} + "/comfyui-v0.8.0/" + file_name};
  if (!in) {
    throw std::runtime_error("cannot open recording " + file_name);
  }
  std::vector<plain_json> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) {
      lines.push_back(plain_json::parse(line));
    }
  }
  return lines;
}

plain_json without_timestamp(plain_json message) {
  message["data"].erase("timestamp");
  return message;
}

std::vector<plain_json> seen_by(const std::vector<gateway::client_message>& messages,
                                const std::string& client_id) {
  std::vector<plain_json> seen;
  for (const auto& message : messages) {
    if (message.binary || (message.client_id && *message.client_id != client_id)) {
      continue;
    }
    seen.push_back(without_timestamp(plain_json::parse(message.payload)));
  }
  return seen;
}

recorded_run recorded_prompt_run(const std::string& file_name, const std::string& client,
                                 int index) {
  // The client's text messages, split into runs at each `executing null`.
  std::vector<std::vector<plain_json>> runs(1);
  for (const auto& line : load_recording(file_name)) {
    if (line["src"] != "ws" || line["client"] != client || line["kind"] != "text") {
      continue;
    }
    const auto& message = line["msg"];
    if (message["type"] == "status" && message["data"].contains("sid")) {
      continue;
    }
    runs.back().push_back(message);
    if (message["type"] == "executing" && message["data"]["node"].is_null()) {
      runs.emplace_back();
    }
  }
  const auto& messages = runs.at(static_cast<std::size_t>(index));

  recorded_run run;
  plain_json nodes = plain_json::object();
  std::int64_t now = 0;
  std::size_t statuses = 0;
  for (const auto& message : messages) {
    run.messages.push_back(without_timestamp(message));
    std::string type = message["type"];
    const auto& data = message["data"];
    if (data.contains("prompt_id")) {
      run.prompt_id = data["prompt_id"];
    }
    if (data.contains("timestamp")) {
      now = data["timestamp"];
    }
    std::vector<actors::event_body> bodies;
    if (type == "status") {
      ++statuses;
      if (statuses == 1) {
        run.enqueued.queue_remaining = remaining(message);
      } else if (statuses == 2) {
        run.planned.queue_remaining = remaining(message);
      } else {
        run.finished.queue_remaining = remaining(message);
      }
    } else if (type == "execution_cached") {
      bodies.push_back(actors::fragment_started{data["nodes"]});
    } else if (type == "progress_state") {
      events_for_progress_state(nodes, data["nodes"], bodies);
      nodes = data["nodes"];
    } else if (type == "executed") {
      bodies.push_back(actors::node_output{data["node"], data["display_node"],
                                           drover::json::parse(data["output"].dump())});
    } else if (type == "execution_success" || type == "execution_error" ||
               type == "execution_interrupted") {
      run.finished.terminal_type = type;
      run.finished.terminal_json = data.dump();
      actors::fragment_ended ended;
      ended.outcome = type == "execution_success" ? actors::fragment_outcome::success
                      : type == "execution_error" ? actors::fragment_outcome::error
                                                  : actors::fragment_outcome::interrupted;
      bodies.push_back(ended);
    }
    for (auto& body : bodies) {
      run.events.push_back(make_event(run, now, std::move(body)));
    }
  }

  for (const auto& line : load_recording(file_name)) {
    if (line["src"] == "ws" && line["client"] == client && line["kind"] == "open") {
      run.client_id = line["client_id"];
      break;
    }
  }
  run.planned.prompt_id = run.prompt_id;
  run.planned.has_client_id = true;
  run.planned.client_id = run.client_id;
  run.planned.fragments = {actors::planned_fragment{0, 0, "w1"}};
  run.finished.prompt_id = run.prompt_id;
  run.finished.has_client_id = true;
  run.finished.client_id = run.client_id;
  run.finished.fragments = {actors::finished_fragment{0, 0, "w1", run.events.size() - 1}};
  return run;
}

}  // namespace drover::test
