#pragma once

// The HTTP API of one ComfyUI server that a drover worker drives
// (docs/backends.md). Each call is one request on a fresh connection, so
// that any thread may call; failures come back as values.

#include <chrono>
#include <string>
#include <vector>

#include "actors/json.hpp"
#include "actors/result.hpp"
#include "client/gateway_client.hpp"

namespace drover::worker {

/// What `POST /prompt` answered.
struct backend_submission {
  bool accepted = false;
  /// The answer's JSON: {prompt_id, number, node_errors} when accepted,
  /// ComfyUI's {error, node_errors} when refused.
  json body;
};

class comfyui_backend {
 public:
  /// Reads `--backend` values: "comfyui=http://HOST:PORT". Fails with
  /// errc::invalid_input on another kind or a malformed URL.
  static actors::result<comfyui_backend> parse(const std::string& spec);

  /// Reads a file that names backends, one `comfyui=URL` per line; blank
  /// lines and lines starting with `#` are skipped. Fails with
  /// errc::io_failure when the file cannot be read, errc::invalid_input
  /// (naming the line) on a line that does not parse.
  static actors::result<std::vector<comfyui_backend>> read_list(const std::string& path);

  explicit comfyui_backend(std::string url, client::gateway_address address)
      : url_(std::move(url)), address_(std::move(address)) {}

  const std::string& url() const { return url_; }
  const client::gateway_address& address() const { return address_; }

  /// `GET /object_info`: every class the backend runs.
  actors::result<json> object_info() const;

  /// `GET /system_stats`: its first device entry (null when it lists none).
  actors::result<json> device() const;

  /// `GET /models` and `GET /models/{folder}` of each folder: the model
  /// files it can load, `{"<folder>": ["<file>", ...]}`.
  actors::result<json> models() const;

  /// `POST /prompt` with the farm's prompt id, the bridge's client id and
  /// the output nodes to run (`partial_execution_targets`; all when empty).
  /// A refusal (HTTP 400) is a value, not a failure; fails on a lost
  /// connection or an answer that is not ComfyUI's.
  actors::result<backend_submission> submit(
      const json& prompt, const std::string& prompt_id, const std::string& client_id,
      const json& extra_data, const std::vector<std::string>& targets) const;

  /// `POST /free` with ComfyUI's two flags.
  actors::result<void> free(bool unload_models, bool free_memory) const;

  /// `POST /interrupt` for `prompt_id` only.
  actors::result<void> interrupt(const std::string& prompt_id) const;

  /// `POST /queue {"delete": [prompt_id]}`: drops it if it still waits there.
  actors::result<void> forget(const std::string& prompt_id) const;

  /// `POST /upload/image` with overwrite: `bytes` becomes the input file
  /// `filename` in `subfolder`.
  actors::result<void> upload_input(const std::string& filename,
                                    const std::string& subfolder,
                                    const std::string& bytes) const;

  /// `GET /view` of one file a node reported ({filename, subfolder, type}).
  /// Fails with errc::not_found on 404.
  actors::result<std::string> view(const std::string& filename,
                                   const std::string& subfolder,
                                   const std::string& type) const;

 private:
  actors::result<client::http_response> call(
      const std::string& method, const std::string& target, const std::string& body = {},
      std::chrono::milliseconds timeout = std::chrono::seconds{30}) const;

  std::string url_;
  client::gateway_address address_;
};

}  // namespace drover::worker
