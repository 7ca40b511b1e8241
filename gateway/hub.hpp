#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "gateway/prompt_streams.hpp"

namespace drover::gateway {

/// One connected WebSocket as the hub sees it. Implemented by the Beast
/// session; called on the io thread only.
class client_socket {
 public:
  virtual ~client_socket() = default;
  /// Queues one frame. A socket whose queue is full closes itself with a
  /// reason rather than drop a message silently.
  virtual void send(std::shared_ptr<const std::string> payload, bool binary) = 0;
  /// True when the client negotiated `supports_preview_metadata`.
  virtual bool wants_preview_metadata() const = 0;
};

/// The gateway's shared state (Beast's "shared_state"): the connected
/// clients by client id and every prompt's stream. Lives on the one io
/// thread; CAF and ZeroMQ threads reach it only by posting to that thread.
class hub {
 public:
  using replay_sink = std::function<void(const replay_request&)>;

  explicit hub(stream_limits limits = {});

  /// Where replay requests go (the event intake). Set before facts arrive.
  void set_replay_sink(replay_sink sink) { replay_sink_ = std::move(sink); }

  /// Routes `client_id`'s messages to `socket`, replacing an earlier socket
  /// of the same id (which then no longer receives this id's messages).
  void join(const std::string& client_id, std::weak_ptr<client_socket> socket);
  /// Forgets `socket` under `client_id`, unless a newer socket took the id.
  void leave(const std::string& client_id, const client_socket* socket);

  void on_queue_changed(const actors::queue_changed& fact);
  void on_planned(const actors::prompt_planned& fact);
  void on_finished(const actors::prompt_finished& fact);
  void on_event(actors::event e);
  void on_replay_answered(const actors::attempt_key& key, bool known);

  std::uint64_t queue_remaining() const { return streams_.queue_remaining(); }
  void set_queue_remaining(std::uint64_t n) { streams_.set_queue_remaining(n); }
  std::optional<std::string> running_node_for(const std::string& client_id) const {
    return streams_.running_node_for(client_id);
  }
  std::size_t client_count() const { return clients_.size(); }
  json prompt_progress() const { return streams_.progress(); }

 private:
  void dispatch(stream_output& out);
  void send_to(client_socket& socket, const client_message& message,
               const std::shared_ptr<const std::string>& payload,
               const std::shared_ptr<const std::string>& with_metadata);

  prompt_streams streams_;
  replay_sink replay_sink_;
  std::unordered_map<std::string, std::weak_ptr<client_socket>> clients_;
};

}  // namespace drover::gateway
