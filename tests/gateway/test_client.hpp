#pragma once

// A small synchronous HTTP and WebSocket client over real loopback sockets,
// and fakes for the gateway's seams. Beast stays inside the .cpp.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/coordinator_link.hpp"
#include "gateway/file_source.hpp"

namespace drover::test {

struct http_result {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  ///< lowercase names
  std::string body;
};

/// One request on a fresh connection. `headers` are sent as given.
http_result http_call(std::uint16_t port, const std::string& method,
                      const std::string& target, const std::string& body = {},
                      const std::map<std::string, std::string>& headers = {});

struct ws_frame {
  bool text = true;
  std::string data;
};

/// A WebSocket client of `/ws` (with `?clientId=` when `client_id` is set).
class ws_connection {
 public:
  ws_connection(std::uint16_t port, const std::string& client_id);
  ~ws_connection();
  /// The next frame, or nullopt when none arrives within `timeout`.
  std::optional<ws_frame> next(std::chrono::milliseconds timeout = std::chrono::seconds{
                                   5});
  void send_text(const std::string& text);

 private:
  struct state;
  std::unique_ptr<state> state_;
};

/// A coordinator that answers at once from canned replies and records what
/// it was asked.
class fake_coordinator final : public gateway::coordinator_link {
 public:
  void submit(actors::submit_prompt request, gateway::submit_callback done) override;
  void history(actors::history_query query, gateway::text_callback done) override;
  void queue(gateway::text_callback done) override;
  void catalog(gateway::text_callback done) override;
  void farm(gateway::text_callback done) override;
  void status(gateway::text_callback done) override;
  void edit_queue(actors::queue_edit edit, gateway::text_callback done) override;
  void edit_history(actors::history_edit edit, gateway::text_callback done) override;
  void interrupt(actors::interrupt_prompt request, gateway::text_callback done) override;
  void free(actors::free_memory request, gateway::text_callback done) override;

  std::mutex mutex;
  actors::submit_reply next_reply;
  std::vector<actors::submit_prompt> submitted;
  std::vector<actors::interrupt_prompt> interrupts;
  std::vector<actors::free_memory> frees;
  std::vector<actors::queue_edit> queue_edits;
  std::vector<actors::history_query> history_queries;
  std::string catalog_json = "{}";
  std::string farm_json = "[]";
  std::string status_json = "{}";
  std::string queue_json = R"({"queue_running":[],"queue_pending":[]})";
  /// When set, the whole history; a query for one id gets its entry or {}.
  std::optional<std::string> history_json;
};

/// Files kept in memory, keyed by "type/subfolder/filename".
class memory_files final : public gateway::file_source {
 public:
  void fetch(actors::store_file file, gateway::file_callback done) override;
  void store(actors::store_file file, std::string bytes,
             gateway::stored_callback done) override;
  void put(const actors::store_file& file, std::string bytes);
  /// The stored bytes of `file`, or nullopt.
  std::optional<std::string> find(const actors::store_file& file);
  std::size_t size();

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> files_;
};

}  // namespace drover::test
