#include "gateway/view_channel.hpp"

#include <optional>

#include "actors/log.hpp"
#include "gateway/view_request.hpp"
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

/// The PNG of `stored` with only `channel`, or nullopt when it is not a PNG.
std::optional<std::string> reencode(const std::string& stored,
                                    const std::string& channel) {
  auto decoded = worker::decode_png(stored);
  if (!decoded) {
    return std::nullopt;
  }
  const auto& image = decoded.value().image;
  if (image.channels == 0 || image.channels > 4 ||
      image.data.size() < std::size_t{image.width} * image.height * image.channels) {
    return std::nullopt;
  }
  // ComfyUI's PIL save drops text chunks here too.
  auto encoded = worker::encode_png(select_channels(image, channel), {}, 1);
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
  if (preview && query_value(query, "preview").rfind("jpeg", 0) == 0 &&
      channel.find('a') == std::string::npos) {
    channel = "rgb";  // a JPEG preview has no alpha
  }
  if (channel != "rgb" && channel != "a") {
    // TODO(#4): re-encode `preview` as WebP/JPEG once libwebp and libjpeg
    // are dependencies; until then the PNG is the preview.
    return {preview ? "image/png" : content_type_for(filename), std::move(stored)};
  }
  auto png = reencode(stored, channel);
  if (!png) {
    actors::logger("gateway")->info("view channel skipped filename={} reason=not_png",
                                    filename);
    return {content_type_for(filename), std::move(stored)};
  }
  return {"image/png", std::move(*png)};
}

}  // namespace drover::gateway
