#include "gateway/view_channel.hpp"

#include <algorithm>
#include <optional>

#include "actors/log.hpp"
#include "gateway/view_request.hpp"
#include "worker/jpeg_codec.hpp"
#include "worker/png_codec.hpp"
#include "worker/webp_codec.hpp"

namespace drover::gateway {

namespace {

std::string query_value(const std::map<std::string, std::string>& query,
                        const char* key) {
  auto it = query.find(key);
  return it == query.end() ? "" : it->second;
}

/// `image` with `channel` kept: "rgb" drops alpha, "a" keeps only alpha.
worker::pixels8 select_channels(const worker::pixels8& image,
                                const std::string& channel) {
  worker::pixels8 out;
  out.width = image.width;
  out.height = image.height;
  out.channels = channel == "rgb" ? 3 : 4;
  const std::size_t pixels = std::size_t{image.width} * image.height;
  out.data.assign(pixels * out.channels, 0);
  const bool has_alpha = image.channels == 2 || image.channels == 4;
  for (std::size_t i = 0; i < pixels; ++i) {
    const auto* in = &image.data[i * image.channels];
    auto* px = &out.data[i * out.channels];
    if (channel == "rgb") {
      bool grey = image.channels <= 2;
      px[0] = in[0];
      px[1] = grey ? in[0] : in[1];
      px[2] = grey ? in[0] : in[2];
    } else {
      px[3] = has_alpha ? in[image.channels - 1] : 255;
    }
  }
  return out;
}

/// The pixels of a stored PNG, JPEG or WebP (its first frame, as Pillow opens
/// it), or nullopt for anything else.
std::optional<worker::pixels8> decode_stored(const std::string& stored) {
  std::optional<worker::pixels8> image;
  if (worker::looks_like_jpeg(stored)) {
    if (auto decoded = worker::decode_jpeg(stored)) {
      image = std::move(decoded).value();
    }
  } else if (worker::looks_like_webp(stored)) {
    if (auto decoded = worker::decode_webp(stored, 1)) {
      image = std::move(decoded.value().frames[0]);
    }
  } else if (auto decoded = worker::decode_png(stored)) {
    image = std::move(decoded.value().image);
  }
  if (!image || image->channels == 0 || image->channels > 4 ||
      image->data.size() < std::size_t{image->width} * image->height * image->channels) {
    return std::nullopt;
  }
  return image;
}

/// The PNG of `stored` with only `channel`, or nullopt when it is no picture.
std::optional<std::string> reencode(const std::string& stored,
                                    const std::string& channel) {
  auto image = decode_stored(stored);
  if (!image) {
    return std::nullopt;
  }
  // ComfyUI's PIL save drops text chunks here too.
  auto encoded = worker::encode_png(select_channels(*image, channel), {}, 1);
  if (!encoded) {
    return std::nullopt;
  }
  return std::move(encoded).value();
}

/// `preview=format[;quality]`'s quality: the last `;` field when it is all
/// digits, else 90, kept within `low`..100 (JPEG starts at 1, WebP at 0).
int preview_quality(const std::string& preview, int low) {
  auto last = preview.substr(preview.rfind(';') + 1);
  bool digits = !last.empty() && last.size() <= 3 &&
                last.find_first_not_of("0123456789") == std::string::npos;
  return digits ? std::clamp(std::stoi(last), low, 100) : 90;
}

/// `image` as an RGB JPEG at `quality`, or nullopt when libjpeg fails.
std::optional<std::string> jpeg_preview(worker::pixels8 image, int quality) {
  auto rgb = image.channels == 3 ? std::move(image) : select_channels(image, "rgb");
  auto encoded = worker::encode_jpeg(rgb, quality);
  if (!encoded) {
    return std::nullopt;
  }
  return std::move(encoded).value();
}

/// `image` as a lossy WebP at `quality`, as Pillow's save writes it (method 4,
/// alpha kept unless `rgb`), or nullopt when libwebp fails.
std::optional<std::string> webp_preview(worker::pixels8 image, int quality, bool rgb) {
  if (rgb) {
    image = select_channels(image, "rgb");
  }
  auto encoded = worker::encode_webp(image, {false, quality, 4});
  if (!encoded) {
    return std::nullopt;
  }
  return std::move(encoded).value();
}

/// `/view`'s answer when `preview` is asked: ComfyUI answers WebP for any
/// format but jpeg, and whenever `channel` holds an `a`.
view_body render_preview(std::string stored, const std::string& filename,
                         const std::string& channel, const std::string& preview) {
  const bool jpeg = preview.substr(0, preview.find(';')) == "jpeg" &&
                    channel.find('a') == std::string::npos;
  std::optional<std::string> encoded;
  if (auto image = decode_stored(stored)) {
    encoded = jpeg ? jpeg_preview(std::move(*image), preview_quality(preview, 1))
                   : webp_preview(std::move(*image), preview_quality(preview, 0),
                                  channel == "rgb");
  }
  if (!encoded) {
    actors::logger("gateway")->info("view preview skipped filename={} reason=not_image",
                                    filename);
    return {content_type_for(filename), std::move(stored)};
  }
  return {jpeg ? "image/jpeg" : "image/webp", std::move(*encoded)};
}

}  // namespace

view_body render_view(std::string stored, const std::string& filename,
                      const std::map<std::string, std::string>& query) {
  auto channel = query_value(query, "channel");
  if (query.count("preview") != 0) {
    return render_preview(std::move(stored), filename, channel,
                          query_value(query, "preview"));
  }
  if (channel != "rgb" && channel != "a") {
    return {content_type_for(filename), std::move(stored)};
  }
  auto png = reencode(stored, channel);
  if (!png) {
    actors::logger("gateway")->info("view channel skipped filename={} reason=not_image",
                                    filename);
    return {content_type_for(filename), std::move(stored)};
  }
  return {"image/png", std::move(*png)};
}

}  // namespace drover::gateway
