#include "gateway/view_channel.hpp"

#include <algorithm>
#include <optional>

#include "actors/log.hpp"
#include "gateway/view_request.hpp"
#include "worker/jpeg_codec.hpp"
#include "worker/png_codec.hpp"

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

/// The pixels of a stored PNG or JPEG, or nullopt for anything else.
std::optional<worker::pixels8> decode_stored(const std::string& stored) {
  std::optional<worker::pixels8> image;
  if (worker::looks_like_jpeg(stored)) {
    if (auto decoded = worker::decode_jpeg(stored)) {
      image = std::move(decoded).value();
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

/// `preview=jpeg[;quality]`'s quality: the last `;` field when it is all
/// digits, else 90, kept within JPEG's 1..100.
int preview_quality(const std::string& preview) {
  auto last = preview.substr(preview.rfind(';') + 1);
  bool digits = !last.empty() && last.size() <= 3 &&
                last.find_first_not_of("0123456789") == std::string::npos;
  return digits ? std::clamp(std::stoi(last), 1, 100) : 90;
}

/// `stored` as an RGB JPEG at `quality`, or nullopt when it is no picture.
std::optional<std::string> jpeg_preview(const std::string& stored, int quality) {
  auto image = decode_stored(stored);
  if (!image) {
    return std::nullopt;
  }
  auto rgb = image->channels == 3 ? std::move(*image) : select_channels(*image, "rgb");
  auto encoded = worker::encode_jpeg(rgb, quality);
  if (!encoded) {
    return std::nullopt;
  }
  return std::move(encoded).value();
}

}  // namespace

view_body render_view(std::string stored, const std::string& filename,
                      const std::map<std::string, std::string>& query) {
  auto channel = query_value(query, "channel");
  const bool preview = query.count("preview") != 0;
  const auto format = query_value(query, "preview");
  if (preview && format.substr(0, format.find(';')) == "jpeg" &&
      channel.find('a') == std::string::npos) {
    if (auto jpeg = jpeg_preview(stored, preview_quality(format))) {
      return {"image/jpeg", std::move(*jpeg)};
    }
    actors::logger("gateway")->info("view preview skipped filename={} reason=not_image",
                                    filename);
    return {content_type_for(filename), std::move(stored)};
  }
  if (channel != "rgb" && channel != "a") {
    // TODO(#4): re-encode a `preview` of webp (ComfyUI's choice for any other
    // format, and whenever `channel` holds an `a`) once libwebp is a
    // dependency; until then the PNG is the preview.
    return {preview ? "image/png" : content_type_for(filename), std::move(stored)};
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
