#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>

#include "actors/result.hpp"
#include "worker/event_sink.hpp"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace drover::worker {

/// Publishes a worker's events over ZeroMQ and answers replay requests
/// (docs/events.md §2–§3): a PUB socket (events, two frames
/// `[prompt_id, msgpack event]`, send high-water mark 100,000) and a ROUTER
/// (replay), both bound to ephemeral ports of the advertised host. One thread
/// owns both sockets; `publish` numbers an event and hands it to that thread
/// through an inproc PAIR under a lock, so any thread may publish. Malformed
/// replay requests are dropped with a log line.
class event_publisher final : public event_sink {
 public:
  struct options {
    std::string host = "127.0.0.1";  ///< address peers reach this worker at
    /// Address the sockets bind to; empty: `host`. "0.0.0.0" in a container
    /// whose `host` is the machine's address.
    std::string bind_host;
    std::uint16_t events_port = 0;  ///< PUB port; 0: one the kernel picks
    std::uint16_t replay_port = 0;  ///< ROUTER port; 0: one the kernel picks
    std::size_t retained_attempts = 64;
    std::size_t retained_bytes = std::size_t{256} << 20;
    /// Where attempts evicted from memory go (event_spill); empty: nowhere.
    std::string spill_dir;
    std::size_t spill_bytes = std::size_t{1} << 30;
  };

  /// Binds both sockets and starts the socket thread. Borrows `context`,
  /// which must outlive the publisher. Fails with errc::io_failure when a
  /// socket cannot be bound.
  static actors::result<std::unique_ptr<event_publisher>> start(zmq::context_t& context,
                                                                options opts);

  /// Stops the socket thread after it published everything handed to it.
  ~event_publisher() override;
  event_publisher(const event_publisher&) = delete;
  event_publisher& operator=(const event_publisher&) = delete;

  /// `tcp://host:port` of the PUB and ROUTER sockets.
  const std::string& events_endpoint() const { return events_endpoint_; }
  const std::string& replay_endpoint() const { return replay_endpoint_; }

  /// Numbers `body` within `key` (from 0, no gap), stamps it and queues it
  /// for publication. Thread-safe. After fragment_ended the attempt's counter
  /// is forgotten.
  std::uint64_t publish(const actors::attempt_key& key, actors::event_body body) override;

 private:
  struct sockets;
  explicit event_publisher(zmq::context_t& context);
  void serve(const options& opts);

  zmq::context_t& context_;
  std::unique_ptr<sockets> sockets_;
  std::string events_endpoint_;
  std::string replay_endpoint_;
  std::string inproc_address_;

  std::mutex mutex_;  ///< guards next_seq_ and the sending end of the PAIR
  std::map<std::tuple<std::string, std::uint32_t, std::uint32_t>, std::uint64_t>
      next_seq_;
  std::unique_ptr<zmq::socket_t> feed_;
  std::thread thread_;
};

}  // namespace drover::worker
