#include "gateway/routes_upload.hpp"

#include <memory>
#include <optional>

#include "actors/json.hpp"
#include "actors/log.hpp"
#include "gateway/mask_image.hpp"
#include "gateway/multipart.hpp"
#include "gateway/view_request.hpp"

namespace drover::gateway {

namespace {

/// Renames stop here: past it the folder is being flooded, not used.
constexpr int max_renames = 10000;

http_reply status_only(unsigned status) {
  http_reply reply;
  reply.status = status;
  reply.content_type = "text/plain; charset=utf-8";
  return reply;
}

/// What an upload request asks for, once its form is checked.
struct upload_form {
  actors::store_file target;  ///< where the upload goes under its sent name
  std::string subfolder_sent;
  std::string bytes;
  bool overwrite = false;
  std::optional<actors::store_file> original;  ///< the mask's original_ref
};

std::string field(const std::vector<form_part>& parts, std::string_view name,
                  std::string fallback) {
  const auto* part = find_part(parts, name);
  return part ? part->body : fallback;
}

/// The file `original_ref` names, by /view's rules; 0 or a refusal status.
unsigned read_original_ref(const std::vector<form_part>& parts, upload_form& form) {
  const auto* part = find_part(parts, "original_ref");
  auto ref = json::parse(part ? part->body : "", nullptr, false);
  if (!ref.is_object() || !ref.contains("filename") || !ref["filename"].is_string()) {
    return 400;
  }
  std::map<std::string, std::string> query;
  for (const char* key : {"filename", "type", "subfolder"}) {
    if (ref.contains(key) && ref[key].is_string()) {
      query[key] = ref[key].get<std::string>();
    }
  }
  auto decision = decide_view(query);
  if (decision.status != 0) {
    return decision.status;
  }
  form.original = decision.file;
  return 0;
}

/// Checks the form; 0 when `form` is ready, else the status to answer.
unsigned read_form(const http_request& request, bool mask, upload_form& form) {
  auto boundary = multipart_boundary(request.content_type);
  if (!boundary) {
    return 400;
  }
  auto parts = parse_multipart(request.body, boundary.value());
  if (!parts) {
    return 400;
  }
  const auto* image = find_part(parts.value(), "image");
  if (image == nullptr || !image->filename || image->filename->empty()) {
    return 400;
  }
  form.target.type = field(parts.value(), "type", "input");
  form.subfolder_sent = field(parts.value(), "subfolder", "");
  form.target.subfolder = form.subfolder_sent;
  form.target.filename = *image->filename;
  auto overwrite = field(parts.value(), "overwrite", "");
  form.overwrite = overwrite == "true" || overwrite == "1";
  form.bytes = image->body;
  if (!actors::is_store_type(form.target.type) ||
      !actors::check_subfolder(form.target.subfolder) ||
      !actors::check_filename(form.target.filename)) {
    return 400;
  }
  return mask ? read_original_ref(parts.value(), form) : 0;
}

/// `name (i).ext`, ComfyUI's rename of a taken upload name.
std::string numbered_name(const std::string& filename, int i) {
  auto dot = filename.rfind('.');
  // os.path.splitext: a leading dot does not start an extension.
  if (dot == std::string::npos || dot == 0) {
    dot = filename.size();
  }
  return filename.substr(0, dot) + " (" + std::to_string(i) + ")" + filename.substr(dot);
}

/// One upload in flight: probes names in the store, then writes. Each step
/// runs in the callback of the one before, on whatever thread answered.
class upload_job : public std::enable_shared_from_this<upload_job> {
 public:
  upload_job(upload_form form, file_source& files, reply_callback reply)
      : form_(std::move(form)),
        files_(files),
        reply_(std::move(reply)),
        sent_name_(form_.target.filename) {}

  void start() {
    if (form_.overwrite) {
      write();
    } else {
      probe();
    }
  }

 private:
  void probe() {
    files_.fetch(form_.target, [self = shared_from_this()](auto existing) {
      self->on_probe(std::move(existing));
    });
  }

  void on_probe(actors::result<std::string> existing) {
    if (!existing) {
      if (existing.error().code == actors::errc::not_found) {
        write();
      } else {
        fail("upload probe failed", existing.error());
      }
      return;
    }
    if (existing.value() == form_.bytes) {
      answer();  // the same bytes are already there: reuse them
      return;
    }
    if (++renames_ > max_renames) {
      reply_(status_only(409));
      return;
    }
    form_.target.filename = numbered_name(sent_name_, renames_);
    probe();
  }

  void write() {
    if (!form_.original) {
      store(std::move(form_.bytes));
      return;
    }
    files_.fetch(*form_.original, [self = shared_from_this()](auto original) {
      self->on_original(std::move(original));
    });
  }

  void on_original(actors::result<std::string> original) {
    if (!original) {
      if (original.error().code == actors::errc::not_found) {
        reply_(status_only(404));
      } else {
        fail("upload original fetch failed", original.error());
      }
      return;
    }
    auto composed = apply_mask(original.value(), form_.bytes);
    if (!composed) {
      reply_(status_only(400));
      return;
    }
    store(std::move(composed).value());
  }

  void store(std::string bytes) {
    files_.store(form_.target, std::move(bytes),
                 [self = shared_from_this()](actors::result<void> stored) {
                   if (!stored) {
                     self->fail("upload store failed", stored.error());
                     return;
                   }
                   self->answer();
                 });
  }

  void answer() {
    json body = json::object();
    body["name"] = form_.target.filename;
    body["subfolder"] = form_.subfolder_sent;
    body["type"] = form_.target.type;
    http_reply reply;
    reply.body = body.dump();
    actors::logger("gateway")->info("upload stored filename={} type={}",
                                    form_.target.filename, form_.target.type);
    reply_(std::move(reply));
  }

  void fail(const char* what, const actors::error& e) {
    actors::logger("gateway")->warn("{} filename={} error={}", what,
                                    form_.target.filename, actors::describe(e));
    reply_(status_only(e.code == actors::errc::invalid_input ? 400 : 502));
  }

  upload_form form_;
  file_source& files_;
  reply_callback reply_;
  std::string sent_name_;
  int renames_ = 0;
};

void post_upload(const http_request& request, route_context& context, bool mask,
                 reply_callback reply) {
  upload_form form;
  if (auto status = read_form(request, mask, form); status != 0) {
    reply(status_only(status));
    return;
  }
  std::make_shared<upload_job>(std::move(form), context.files, std::move(reply))->start();
}

}  // namespace

void post_upload_image(const http_request& request, route_context& context,
                       reply_callback reply) {
  post_upload(request, context, false, std::move(reply));
}

void post_upload_mask(const http_request& request, route_context& context,
                      reply_callback reply) {
  post_upload(request, context, true, std::move(reply));
}

}  // namespace drover::gateway
