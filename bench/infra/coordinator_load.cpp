#include "bench/infra/coordinator_load.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

#include <caf/all.hpp>

#include "actors/json.hpp"

namespace drover::bench {

namespace {

constexpr std::size_t submit_window = 2000;
constexpr auto reply_timeout = std::chrono::seconds{60};

}  // namespace

actors::result<std::string> small_catalog() {
  std::string path =
      DROVER_SOURCE_DIR "/tests/data/comfyui-v0.8.0/object_info_subset.json";
  std::ifstream in{path};
  if (!in) {
    return actors::fail(actors::errc::not_found, "cannot read " + path);
  }
  auto all = json::parse(in, nullptr, false);
  if (all.is_discarded() || !all.contains("EmptyImage") ||
      !all.contains("PreviewImage")) {
    return actors::fail(actors::errc::invalid_input, path + " lacks the catalog entries");
  }
  json some = {{"EmptyImage", all["EmptyImage"]}, {"PreviewImage", all["PreviewImage"]}};
  return some.dump();
}

actors::submit_prompt trivial_submission(std::size_t index) {
  json prompt = {
      {"1",
       {{"class_type", "EmptyImage"},
        {"inputs",
         {{"width", 64}, {"height", 64}, {"batch_size", 1}, {"color", index}}}}},
      {"2",
       {{"class_type", "PreviewImage"},
        {"inputs", {{"images", json::array({"1", 0})}}}}}};
  actors::submit_prompt request;
  request.prompt_id = "bench-" + std::to_string(index);
  request.has_client_id = true;
  request.client_id = "bench-client-" + std::to_string(index % 20);
  request.prompt_json = prompt.dump();
  request.extra_data_json = json{{"client_id", request.client_id}}.dump();
  request.sensitive_json = "{}";
  return request;
}

actors::result<double> submit_trivial_prompts(caf::scoped_actor& self,
                                              const caf::actor& coordinator,
                                              std::size_t count) {
  auto start = std::chrono::steady_clock::now();
  std::size_t sent = 0;
  std::size_t answered = 0;
  std::string failure;

  // Replies to a plain send come back as ordinary messages.
  while (answered < count && failure.empty()) {
    for (; sent < count && sent - answered < submit_window; ++sent) {
      self->send(coordinator, trivial_submission(sent));
    }
    self->receive(
        [&](const actors::submit_reply& reply) {
          ++answered;
          if (!reply.accepted) {
            failure = "prompt " + reply.prompt_id + " refused: " + reply.rejection_json;
          }
        },
        [&](const caf::error& e) { failure = self->system().render(e); },
        caf::after(reply_timeout) >> [&] { failure = "no submit_reply for a minute"; });
  }
  if (!failure.empty()) {
    return actors::fail(actors::errc::unavailable, failure);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

actors::result<double> rss_mib(long pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream fields{line.substr(6)};
      double kib = 0;
      fields >> kib;
      return kib / 1024.0;
    }
  }
  return actors::fail(actors::errc::not_found, "no VmRSS for pid " + std::to_string(pid));
}

}  // namespace drover::bench
