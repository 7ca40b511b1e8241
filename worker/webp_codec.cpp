#include "worker/webp_codec.hpp"

#include <algorithm>
#include <memory>
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>
#include <webp/mux.h>

namespace drover::worker {

namespace {

struct mux_deleter {
  void operator()(WebPMux* mux) const { WebPMuxDelete(mux); }
};
struct demux_deleter {
  void operator()(WebPDemuxer* demux) const { WebPDemuxDelete(demux); }
};
struct anim_encoder_deleter {
  void operator()(WebPAnimEncoder* encoder) const { WebPAnimEncoderDelete(encoder); }
};
struct anim_decoder_deleter {
  void operator()(WebPAnimDecoder* decoder) const { WebPAnimDecoderDelete(decoder); }
};

/// A WebPPicture that frees its pixels however the scope is left.
struct owned_picture {
  WebPPicture picture;
  owned_picture() { WebPPictureInit(&picture); }
  ~owned_picture() { WebPPictureFree(&picture); }
  owned_picture(const owned_picture&) = delete;
  owned_picture& operator=(const owned_picture&) = delete;
};

/// libwebp's encoded bytes as a string; `data` is cleared.
std::string take(WebPData* data) {
  std::string out(reinterpret_cast<const char*>(data->bytes), data->size);
  WebPDataClear(data);
  return out;
}

actors::result<void> check_image(const pixels8& image) {
  if (image.width == 0 || image.height == 0 || image.channels == 0 ||
      image.channels > 4 ||
      image.data.size() != std::size_t{image.width} * image.height * image.channels) {
    return actors::fail(actors::errc::invalid_input, "an empty or inconsistent image");
  }
  if (image.width > WEBP_MAX_DIMENSION || image.height > WEBP_MAX_DIMENSION) {
    return actors::fail(actors::errc::invalid_input,
                        "encoding error 5: Image size exceeds WebP limit of " +
                            std::to_string(WEBP_MAX_DIMENSION) + " pixels");
  }
  return actors::ok();
}

actors::result<WebPConfig> config_for(const webp_options& options) {
  WebPConfig config;
  if (!WebPConfigInit(&config)) {
    return actors::fail(actors::errc::internal,
                        "libwebp is not the version built against");
  }
  config.lossless = options.lossless ? 1 : 0;
  config.quality = static_cast<float>(options.quality);
  config.alpha_quality = 100;
  config.method = options.method;
  if (!WebPValidateConfig(&config)) {
    return actors::fail(actors::errc::invalid_input,
                        "invalid WebP configuration: quality " +
                            std::to_string(options.quality) + ", method " +
                            std::to_string(options.method));
  }
  return config;
}

/// Grey spread to RGB, grey with alpha to RGBA, as Pillow converts L and LA.
pixels8 spread_grey(const pixels8& image) {
  pixels8 out{image.width, image.height, image.channels == 1 ? 3u : 4u, {}};
  const std::size_t pixels = std::size_t{image.width} * image.height;
  out.data.resize(pixels * out.channels);
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint8_t* in = &image.data[i * image.channels];
    std::uint8_t* px = &out.data[i * out.channels];
    px[0] = px[1] = px[2] = in[0];
    if (out.channels == 4) {
      px[3] = in[1];
    }
  }
  return out;
}

/// Fills `picture` with `image` in ARGB, as Pillow hands frames to libwebp
/// (lossy encoding converts to YUV itself). Returns false when out of memory.
bool import_picture(const pixels8& image, WebPPicture* picture) {
  if (image.channels < 3) {
    return import_picture(spread_grey(image), picture);
  }
  picture->width = static_cast<int>(image.width);
  picture->height = static_cast<int>(image.height);
  picture->use_argb = 1;
  const int stride = static_cast<int>(image.width * image.channels);
  return image.channels == 3
             ? WebPPictureImportRGB(picture, image.data.data(), stride) != 0
             : WebPPictureImportRGBA(picture, image.data.data(), stride) != 0;
}

/// `webp` re-muxed with an EXIF chunk, which turns it into the extended format.
actors::result<std::string> with_exif(const std::string& webp, const std::string& exif) {
  const WebPData image{reinterpret_cast<const std::uint8_t*>(webp.data()), webp.size()};
  std::unique_ptr<WebPMux, mux_deleter> mux{WebPMuxCreate(&image, 0)};
  const WebPData chunk{reinterpret_cast<const std::uint8_t*>(exif.data()), exif.size()};
  WebPData out;
  WebPDataInit(&out);
  if (!mux || WebPMuxSetChunk(mux.get(), "EXIF", &chunk, 0) != WEBP_MUX_OK ||
      WebPMuxAssemble(mux.get(), &out) != WEBP_MUX_OK) {
    WebPDataClear(&out);
    return actors::fail(actors::errc::internal, "libwebp could not add the EXIF chunk");
  }
  return take(&out);
}

/// The frames of an opened animation, each copied off libwebp's canvas.
actors::result<void> read_frames(WebPAnimDecoder* decoder, std::size_t count,
                                 std::uint32_t channels, decoded_webp* out) {
  WebPAnimInfo info;
  WebPAnimDecoderGetInfo(decoder, &info);
  const std::size_t pixels = std::size_t{info.canvas_width} * info.canvas_height;
  int previous = 0;
  while (out->frames.size() < count && WebPAnimDecoderHasMoreFrames(decoder)) {
    std::uint8_t* canvas = nullptr;
    int timestamp = 0;
    if (!WebPAnimDecoderGetNext(decoder, &canvas, &timestamp)) {
      return actors::fail(actors::errc::invalid_input,
                          "undecodable WebP: frame " +
                              std::to_string(out->frames.size() + 1) + " is damaged");
    }
    pixels8 frame{info.canvas_width, info.canvas_height, channels, {}};
    frame.data.resize(pixels * channels);
    for (std::size_t i = 0; i < pixels; ++i) {
      std::copy_n(canvas + i * 4, channels, &frame.data[i * channels]);
    }
    out->frames.push_back(std::move(frame));
    out->durations_ms.push_back(
        static_cast<std::uint32_t>(std::max(0, timestamp - previous)));
    previous = timestamp;
  }
  if (out->frames.empty()) {
    return actors::fail(actors::errc::invalid_input, "a WebP with no frames");
  }
  return actors::ok();
}

/// True for an extended WebP that declares an animation and holds no frame
/// chunk at all.
bool is_empty_animation(const std::string& bytes) {
  constexpr std::size_t flags_at = 20;  // RIFF header, then the VP8X chunk header
  constexpr unsigned animation_flag = 0x02;
  return bytes.compare(12, 4, "VP8X") == 0 && bytes.size() > flags_at &&
         (static_cast<unsigned char>(bytes[flags_at]) & animation_flag) != 0 &&
         bytes.find("ANMF") == std::string::npos;
}

}  // namespace

actors::result<std::string> encode_webp(const pixels8& image, const webp_options& options,
                                        const std::string& exif) {
  DROVER_TRYV(check_image(image));
  DROVER_TRY(config, config_for(options));
  owned_picture frame;
  if (!import_picture(image, &frame.picture)) {
    return actors::fail(actors::errc::internal, "libwebp could not take the picture");
  }

  WebPMemoryWriter writer;
  WebPMemoryWriterInit(&writer);
  frame.picture.writer = WebPMemoryWrite;
  frame.picture.custom_ptr = &writer;
  const bool done = WebPEncode(&config, &frame.picture) != 0;
  std::string encoded(reinterpret_cast<const char*>(writer.mem), writer.size);
  WebPMemoryWriterClear(&writer);
  if (!done) {
    return actors::fail(actors::errc::internal,
                        "libwebp encoding error " +
                            std::to_string(static_cast<int>(frame.picture.error_code)));
  }
  return exif.empty() ? encoded : with_exif(encoded, exif);
}

actors::result<std::string> encode_animated_webp(const std::vector<pixels8>& frames,
                                                 std::uint32_t duration_ms,
                                                 const webp_options& options,
                                                 const std::string& exif) {
  if (frames.empty()) {
    return actors::fail(actors::errc::invalid_input, "an animation needs frames");
  }
  for (const auto& frame : frames) {
    DROVER_TRYV(check_image(frame));
    if (frame.width != frames[0].width || frame.height != frames[0].height ||
        frame.channels != frames[0].channels) {
      return actors::fail(actors::errc::invalid_input,
                          "all frames of an animation must share size and channels");
    }
  }
  // libwebp counts time in int milliseconds up to the end of the last frame.
  if (duration_ms > 0 && frames.size() > std::size_t{0x7fffffff} / duration_ms) {
    return actors::fail(actors::errc::invalid_input,
                        "the animation is too long for WebP");
  }
  DROVER_TRY(config, config_for(options));

  WebPAnimEncoderOptions anim;
  if (!WebPAnimEncoderOptionsInit(&anim)) {
    return actors::fail(actors::errc::internal,
                        "libwebp is not the version built against");
  }
  anim.anim_params.bgcolor = 0;  // transparent black
  anim.anim_params.loop_count = 0;
  anim.minimize_size = 0;
  anim.kmin = options.lossless ? 9 : 3;
  anim.kmax = options.lossless ? 17 : 5;
  anim.allow_mixed = 0;
  std::unique_ptr<WebPAnimEncoder, anim_encoder_deleter> encoder{WebPAnimEncoderNew(
      static_cast<int>(frames[0].width), static_cast<int>(frames[0].height), &anim)};
  if (!encoder) {
    return actors::fail(actors::errc::internal, "libwebp could not create an encoder");
  }

  int timestamp = 0;
  for (const auto& image : frames) {
    owned_picture frame;
    if (!import_picture(image, &frame.picture) ||
        !WebPAnimEncoderAdd(encoder.get(), &frame.picture, timestamp, &config)) {
      return actors::fail(actors::errc::internal,
                          std::string{"libwebp could not add a frame: "} +
                              WebPAnimEncoderGetError(encoder.get()));
    }
    timestamp += static_cast<int>(duration_ms);
  }
  // A last, empty frame tells the encoder when the previous one ends.
  WebPData out;
  WebPDataInit(&out);
  if (!WebPAnimEncoderAdd(encoder.get(), nullptr, timestamp, nullptr) ||
      !WebPAnimEncoderAssemble(encoder.get(), &out)) {
    WebPDataClear(&out);
    return actors::fail(actors::errc::internal,
                        std::string{"libwebp could not assemble the animation: "} +
                            WebPAnimEncoderGetError(encoder.get()));
  }
  auto encoded = take(&out);
  return exif.empty() ? encoded : with_exif(encoded, exif);
}

bool looks_like_webp(const std::string& bytes) {
  if (bytes.size() < 16 || bytes.compare(0, 4, "RIFF") != 0 ||
      bytes.compare(8, 4, "WEBP") != 0) {
    return false;
  }
  const auto chunk = bytes.substr(12, 4);
  return chunk == "VP8 " || chunk == "VP8L" || chunk == "VP8X";
}

actors::result<decoded_webp> decode_webp(const std::string& bytes, std::size_t max_frames,
                                         std::uint64_t max_pixels) {
  if (!looks_like_webp(bytes)) {
    return actors::fail(actors::errc::invalid_input, "not a WebP");
  }
  const WebPData data{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
  WebPBitstreamFeatures features;
  std::unique_ptr<WebPDemuxer, demux_deleter> demux{WebPDemux(&data)};
  if (WebPGetFeatures(data.bytes, data.size, &features) != VP8_STATUS_OK || !demux) {
    // libwebp's demuxer refuses an animation without frames as it refuses a
    // damaged file; the first deserves its own words.
    return actors::fail(actors::errc::invalid_input,
                        is_empty_animation(bytes) ? "a WebP animation with no frames"
                                                  : "undecodable WebP: damaged headers");
  }

  // The demuxer reads only headers: sizes are checked before any canvas exists.
  const auto width = WebPDemuxGetI(demux.get(), WEBP_FF_CANVAS_WIDTH);
  const auto height = WebPDemuxGetI(demux.get(), WEBP_FF_CANVAS_HEIGHT);
  const auto count =
      std::min<std::size_t>(WebPDemuxGetI(demux.get(), WEBP_FF_FRAME_COUNT), max_frames);
  if (count == 0) {
    return actors::fail(actors::errc::invalid_input, "a WebP with no frames");
  }
  if (std::uint64_t{width} * height * count > max_pixels) {
    return actors::fail(actors::errc::invalid_input,
                        "a " + std::to_string(width) + "x" + std::to_string(height) +
                            " WebP of " + std::to_string(count) +
                            " frames is not accepted");
  }

  decoded_webp out;
  WebPChunkIterator exif;
  if (WebPDemuxGetChunk(demux.get(), "EXIF", 1, &exif)) {
    out.exif.assign(reinterpret_cast<const char*>(exif.chunk.bytes), exif.chunk.size);
    WebPDemuxReleaseChunkIterator(&exif);
  }
  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options)) {
    return actors::fail(actors::errc::internal,
                        "libwebp is not the version built against");
  }
  options.color_mode = MODE_RGBA;
  options.use_threads = 0;
  std::unique_ptr<WebPAnimDecoder, anim_decoder_deleter> decoder{
      WebPAnimDecoderNew(&data, &options)};
  if (!decoder) {
    return actors::fail(actors::errc::invalid_input, "undecodable WebP: damaged frames");
  }
  DROVER_TRYV(read_frames(decoder.get(), count, features.has_alpha ? 4 : 3, &out));
  return out;
}

}  // namespace drover::worker
