#include "gateway/routes_jobs.hpp"

#include <atomic>
#include <memory>

#include "actors/log.hpp"
#include "gateway/jobs.hpp"

namespace drover::gateway {

namespace {

http_reply json_answer(json body, unsigned status = 200) {
  http_reply reply;
  reply.status = status;
  reply.body = body.dump();
  return reply;
}

http_reply error_answer(unsigned status, std::string text) {
  return json_answer({{"error", std::move(text)}}, status);
}

/// Parsed JSON of a coordinator answer, or the reply that says it failed.
std::optional<json> read_answer(const actors::result<std::string>& answer,
                                const reply_callback& reply) {
  if (!answer) {
    actors::logger("gateway")->warn("jobs request failed error={}",
                                    actors::describe(answer.error()));
    reply(error_answer(503, "coordinator unavailable"));
    return std::nullopt;
  }
  return json::parse(answer.value(), nullptr, false);
}

/// Runs `done(queue, history)` once both answers are in.
void with_queue_and_history(route_context& context, actors::history_query history,
                            std::function<void(json, json)> done, reply_callback reply) {
  auto* coordinator = &context.coordinator;
  coordinator->queue([coordinator, history = std::move(history), done = std::move(done),
                      reply](actors::result<std::string> queue_text) mutable {
    auto queue = read_answer(queue_text, reply);
    if (!queue) {
      return;
    }
    coordinator->history(std::move(history),
                         [queue = std::move(*queue), done = std::move(done),
                          reply](actors::result<std::string> history_text) {
                           if (auto history = read_answer(history_text, reply)) {
                             done(queue, std::move(*history));
                           }
                         });
  });
}

void get_jobs(const std::map<std::string, std::string>& params, route_context& context,
              reply_callback reply) {
  auto parsed = parse_jobs_query(params);
  if (!parsed.query) {
    reply(error_answer(400, parsed.error));
    return;
  }
  with_queue_and_history(
      context, actors::history_query{},
      [query = *parsed.query, reply](json queue, json history) {
        reply(json_answer(list_jobs(queue, history, query)));
      },
      reply);
}

void get_job(const std::string& id, route_context& context, reply_callback reply) {
  actors::history_query one;
  one.prompt_id = id;
  with_queue_and_history(
      context, std::move(one),
      [id, reply](json queue, json history) {
        auto job = find_job(id, queue, history);
        reply(job ? json_answer(std::move(*job)) : error_answer(404, "Job not found"));
      },
      reply);
}

/// Cancels each of `ids` where it stands: running ones are interrupted,
/// pending ones dequeued, others left alone. Answers `{"cancelled": any}`.
void cancel_jobs(std::vector<std::string> ids, route_context& context,
                 reply_callback reply) {
  auto* coordinator = &context.coordinator;
  coordinator->queue(
      [coordinator, ids = std::move(ids), reply](actors::result<std::string> queue_text) {
        auto queue = read_answer(queue_text, reply);
        if (!queue) {
          return;
        }
        actors::queue_edit dequeue;
        std::vector<std::string> running;
        for (const auto& id : ids) {
          auto state = queue_state(id, *queue);
          if (state == "pending") {
            dequeue.delete_ids.push_back(id);
          } else if (state == "in_progress") {
            running.push_back(id);
          }
        }
        bool cancelled = !dequeue.delete_ids.empty() || !running.empty();
        // Confirmations are logged, not awaited: ComfyUI answers once it has
        // asked, and a prompt that just finished is no longer cancellable anyway.
        auto log_failure = [](actors::result<std::string> r) {
          if (!r) {
            actors::logger("gateway")->warn("job cancel failed error={}",
                                            actors::describe(r.error()));
          }
        };
        for (auto& id : running) {
          coordinator->interrupt(actors::interrupt_prompt{id}, log_failure);
        }
        if (!dequeue.delete_ids.empty()) {
          coordinator->edit_queue(std::move(dequeue), log_failure);
        }
        reply(json_answer({{"cancelled", cancelled}}));
      });
}

void post_cancel_many(const http_request& request, route_context& context,
                      reply_callback reply) {
  auto body = json::parse(request.body, nullptr, false);
  const auto ids = body.is_object() ? body.value("job_ids", json{}) : json{};
  if (!ids.is_array()) {
    reply(error_answer(400, "job_ids must be a list"));
    return;
  }
  std::vector<std::string> valid;
  json invalid = json::array();
  for (const auto& id : ids) {
    if (id.is_string() && is_job_id(id.get<std::string>())) {
      valid.push_back(id.get<std::string>());
    } else {
      invalid.push_back(id);
    }
  }
  if (!invalid.empty()) {
    reply(json_answer({{"error", "Invalid job ids"}, {"invalid_ids", invalid}}, 400));
    return;
  }
  cancel_jobs(std::move(valid), context, std::move(reply));
}

}  // namespace

std::optional<std::string> jobs_route(std::string_view target) {
  auto path = target.substr(0, target.find('?'));
  if (path.rfind("/api/api/", 0) == 0) {
    path.remove_prefix(4);
  }
  constexpr std::string_view prefix = "/api/jobs";
  if (path.rfind(prefix, 0) != 0) {
    return std::nullopt;
  }
  auto rest = path.substr(prefix.size());
  if (!rest.empty() && rest.front() != '/') {
    return std::nullopt;
  }
  return std::string{rest};
}

void handle_jobs(const http_request& request, const std::string& route,
                 const std::map<std::string, std::string>& query, route_context& context,
                 reply_callback reply) {
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  const std::string cancel_suffix = "/cancel";
  if (route.empty() || route == "/") {
    get ? get_jobs(query, context, std::move(reply))
        : reply(error_answer(405, "GET only"));
  } else if (route == cancel_suffix) {
    post ? post_cancel_many(request, context, std::move(reply))
         : reply(error_answer(405, "POST only"));
  } else if (route.size() > cancel_suffix.size() + 1 &&
             route.compare(route.size() - cancel_suffix.size(), cancel_suffix.size(),
                           cancel_suffix) == 0) {
    auto id = route.substr(1, route.size() - cancel_suffix.size() - 1);
    post ? cancel_jobs({id}, context, std::move(reply))
         : reply(error_answer(405, "POST only"));
  } else if (route.find('/', 1) == std::string::npos) {
    get ? get_job(route.substr(1), context, std::move(reply))
        : reply(error_answer(405, "GET only"));
  } else {
    reply(error_answer(404, "Not found"));
  }
}

}  // namespace drover::gateway
