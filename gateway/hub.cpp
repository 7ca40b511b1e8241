#include "gateway/hub.hpp"

#include "actors/log.hpp"

namespace drover::gateway {

hub::hub(stream_limits limits) : streams_(limits) {}

void hub::join(const std::string& client_id, std::weak_ptr<client_socket> socket) {
  clients_[client_id] = std::move(socket);
}

void hub::leave(const std::string& client_id, const client_socket* socket) {
  // ComfyUI drops the id whichever socket closes, so an old socket closing
  // after a reconnect silences the new one; here only the owner leaves.
  auto it = clients_.find(client_id);
  if (it == clients_.end()) {
    return;
  }
  auto current = it->second.lock();
  if (!current || current.get() == socket) {
    clients_.erase(it);
  }
}

void hub::on_queue_changed(const actors::queue_changed& fact) {
  stream_output out;
  streams_.on_queue_changed(fact, out);
  dispatch(out);
}

void hub::on_planned(const actors::prompt_planned& fact) {
  stream_output out;
  streams_.on_planned(fact, out);
  dispatch(out);
}

void hub::on_finished(const actors::prompt_finished& fact) {
  stream_output out;
  streams_.on_finished(fact, out);
  dispatch(out);
}

void hub::on_event(actors::event e) {
  stream_output out;
  streams_.on_event(std::move(e), out);
  dispatch(out);
}

void hub::on_replay_answered(const actors::attempt_key& key, bool known) {
  stream_output out;
  streams_.on_replay_answered(key, known, out);
  dispatch(out);
}

void hub::dispatch(stream_output& out) {
  for (auto& message : out.messages) {
    auto payload = std::make_shared<const std::string>(std::move(message.payload));
    std::shared_ptr<const std::string> with_metadata;
    if (!message.payload_with_metadata.empty()) {
      with_metadata =
          std::make_shared<const std::string>(std::move(message.payload_with_metadata));
    }
    if (message.client_id) {
      auto it = clients_.find(*message.client_id);
      if (it != clients_.end()) {
        if (auto socket = it->second.lock()) {
          send_to(*socket, message, payload, with_metadata);
        }
      }
      continue;
    }
    // Copy the targets first: a socket that overflows leaves the map.
    std::vector<std::shared_ptr<client_socket>> targets;
    for (auto& [id, weak] : clients_) {
      if (auto socket = weak.lock()) {
        targets.push_back(std::move(socket));
      }
    }
    for (auto& socket : targets) {
      send_to(*socket, message, payload, with_metadata);
    }
  }
  for (const auto& request : out.replays) {
    actors::logger("gateway")->info(
        "replay requested prompt_id={} fragment={} attempt={} from={} worker_id={}",
        request.key.prompt_id, request.key.fragment, request.key.attempt, request.from,
        request.worker_id);
    if (replay_sink_) {
      replay_sink_(request);
    }
  }
}

void hub::send_to(client_socket& socket, const client_message& message,
                  const std::shared_ptr<const std::string>& payload,
                  const std::shared_ptr<const std::string>& with_metadata) {
  using sockets = client_message::preview_sockets;
  if ((message.preview_to == sockets::with_metadata &&
       !socket.wants_preview_metadata()) ||
      (message.preview_to == sockets::without_metadata &&
       socket.wants_preview_metadata())) {
    return;
  }
  if (with_metadata && socket.wants_preview_metadata()) {
    socket.send(with_metadata, true);
  } else {
    socket.send(payload, message.binary);
  }
}

}  // namespace drover::gateway
