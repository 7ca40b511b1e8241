#include "worker/attempt_environment.hpp"

#include <algorithm>

#include "worker/jpeg_codec.hpp"
#include "worker/png_codec.hpp"
#include "worker/preview_resize.hpp"
#include "worker/saved_image.hpp"

namespace drover::worker {

namespace {

/// ComfyUI's default `--preview-size`: previews fit in this square.
constexpr std::uint32_t max_preview_side = 512;
/// The JPEG quality of ComfyUI's previews.
constexpr int preview_quality = 95;

/// The preview as a MIME type and encoded bytes. Tensors become JPEG at
/// quality 95, resized into the preview square, as ComfyUI sends its
/// previews.
actors::result<std::pair<std::string, std::string>> encode_preview(
    const preview_image& preview) {
  if (preview.image) {
    DROVER_TRY(pixels, to_pixels(*preview.image, 0));
    DROVER_TRY(jpeg,
               encode_jpeg(contain_preview(pixels, max_preview_side), preview_quality));
    return std::make_pair(std::string{"image/jpeg"}, std::move(jpeg));
  }
  if (preview.mime != "image/jpeg" && preview.mime != "image/png") {
    return actors::fail(actors::errc::invalid_input,
                        "a preview must be image/jpeg or image/png, not " +
                            (preview.mime.empty() ? "nothing" : preview.mime));
  }
  if (preview.encoded.empty()) {
    return actors::fail(actors::errc::invalid_input, "an empty preview image");
  }
  return std::make_pair(preview.mime, preview.encoded);
}

}  // namespace

attempt_environment::attempt_environment(actors::attempt_key key, json prompt,
                                         json extra_pnginfo, file_sink& files,
                                         event_sink& events,
                                         const std::atomic<bool>& interrupt)
    : key_(std::move(key)),
      prompt_(std::move(prompt)),
      extra_pnginfo_(std::move(extra_pnginfo)),
      files_(files),
      events_(events),
      interrupt_(interrupt) {}

void attempt_environment::progress(const std::string& node_id, double value, double max) {
  // ComfyUI's progress hook checks the interrupt flag before it reports.
  if (interrupted()) {
    return;
  }
  publish(actors::node_progress{node_id, value, max});
}

actors::result<void> attempt_environment::progress(const std::string& node_id,
                                                   double value, double max,
                                                   const preview_image& preview) {
  if (interrupted()) {
    return actors::ok();
  }
  // Encode first, so that a bad preview still leaves the progress reported.
  auto encoded = encode_preview(preview);
  publish(actors::node_progress{node_id, value, max, encoded.has_value()});
  if (!encoded) {
    return encoded.error();
  }
  auto& [mime, bytes] = encoded.value();
  publish(actors::node_preview{node_id, std::move(mime),
                               std::vector<std::uint8_t>(bytes.begin(), bytes.end())});
  return actors::ok();
}

void attempt_environment::text(const std::string& node_id, std::string text) {
  publish(actors::node_text{node_id, std::move(text)});
}

actors::result<void> attempt_environment::send(const std::string& type, json data,
                                               message_delivery delivery) {
  if (type.empty()) {
    return actors::fail(actors::errc::invalid_input, "a message needs a type");
  }
  publish(actors::custom_message{type, std::move(data),
                                 delivery == message_delivery::broadcast});
  return actors::ok();
}

std::uint64_t attempt_environment::publish(actors::event_body body) {
  return events_.publish(key_, std::move(body));
}

}  // namespace drover::worker
