#include "worker/load_image_nodes.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "worker/bmp_reader.hpp"
#include "worker/exif_transpose.hpp"
#include "worker/gif_frames.hpp"
#include "worker/jpeg_codec.hpp"
#include "worker/netpbm_reader.hpp"
#include "worker/node_call.hpp"
#include "worker/png_codec.hpp"
#include "worker/png_frames.hpp"
#include "worker/tga_reader.hpp"
#include "worker/tiff_frames.hpp"
#include "worker/truncated_png.hpp"
#include "worker/webp_codec.hpp"

namespace drover::worker {

namespace {

/// ComfyUI's annotated file name: "sub/name.png [output]" names a file of the
/// output folder; without an annotation the file is an input.
actors::result<actors::store_file> annotated_file(std::string name) {
  actors::store_file file;
  file.type = "input";
  for (const char* type : {"input", "output", "temp"}) {
    auto suffix = std::string{" ["} + type + "]";
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      file.type = type;
      name.resize(name.size() - suffix.size());
      break;
    }
  }
  auto slash = name.find_last_of('/');
  if (slash != std::string::npos) {
    file.subfolder = name.substr(0, slash);
    name.erase(0, slash + 1);
  }
  file.filename = std::move(name);
  DROVER_TRYV(actors::check_store_file(file));
  return file;
}

actors::result<std::string> read_input(node_environment& env, const json& image) {
  if (!image.is_string()) {
    return actors::fail(actors::errc::invalid_input, "image must be a file name");
  }
  DROVER_TRY(file, annotated_file(image.get<std::string>()));
  return env.files().get(file);
}

/// IS_CHANGED of both classes: a hash of the file's bytes.
actors::result<json> file_fingerprint(const json& constants, node_environment& env) {
  DROVER_TRY(bytes, read_input(env, constants.value("image", json{})));
  char text[40];
  std::snprintf(text, sizeof text, "%zu:%016zx", bytes.size(),
                std::hash<std::string>{}(bytes));
  return json(text);
}

/// Each frame turned as ImageOps.exif_transpose turns it for the orientation
/// that `exif` names.
std::vector<pixels8> transposed(std::vector<pixels8> frames, const std::string& exif) {
  int orientation = exif.empty() ? 1 : exif_orientation(exif);
  if (orientation != 1) {
    for (auto& frame : frames) {
      frame = exif_transpose(frame, orientation);
    }
  }
  return frames;
}

using frame_list = actors::result<std::vector<pixels8>>;

/// The pages of a TIFF, each turned by its own Orientation tag.
frame_list tiff_frames(const std::string& bytes, std::size_t max_frames) {
  DROVER_TRY(pages, decode_tiff_pages(bytes, max_frames));
  std::vector<pixels8> frames;
  for (auto& page : pages) {
    frames.push_back(page.orientation == 1
                         ? std::move(page.image)
                         : exif_transpose(page.image, page.orientation));
  }
  return frames;
}

/// A single picture as the one frame of a sequence.
frame_list single(actors::result<pixels8> decoded) {
  if (!decoded) {
    return decoded.error();
  }
  return std::vector<pixels8>{std::move(decoded.value())};
}

/// The most pixels that drover's readers decode, their default limit. A cut
/// file's retry allocates the whole picture from a few bytes of header.
/// TODO(#3): Pillow refuses more than 178,956,970 pixels at open
/// (DecompressionBombError); use its limit and error once checked.
constexpr std::uint64_t max_pixels = std::uint64_t{1} << 28;

/// A single picture as ComfyUI's node_helpers.pillow reads it: when the strict
/// read fails, the read with LOAD_TRUNCATED_IMAGES decides.
template <typename strict_read, typename lenient_read>
frame_list with_retry(const std::string& bytes, strict_read strict,
                      lenient_read lenient) {
  auto decoded = strict(bytes, max_pixels);
  return single(decoded ? std::move(decoded) : lenient(bytes, max_pixels));
}

/// The frames of `bytes` in a format that its first bytes name, or nothing
/// when they name none that drover reads besides PNG.
std::optional<frame_list> signed_frames(const std::string& bytes,
                                        std::size_t max_frames) {
  if (looks_like_jpeg(bytes)) {
    auto decoded = read_jpeg(bytes);
    if (!decoded) {
      return frame_list{decoded.error()};
    }
    return transposed({std::move(decoded.value().image)}, decoded.value().exif);
  }
  if (looks_like_webp(bytes)) {
    auto decoded = decode_webp(bytes, max_frames);
    if (!decoded) {
      return frame_list{decoded.error()};
    }
    return transposed(std::move(decoded.value().frames), decoded.value().exif);
  }
  if (looks_like_gif(bytes)) {
    return decode_gif_frames(bytes, max_frames);
  }
  if (looks_like_tiff(bytes)) {
    return tiff_frames(bytes, max_frames);
  }
  if (looks_like_bmp(bytes)) {
    return with_retry(bytes, decode_bmp, decode_truncated_bmp);
  }
  if (looks_like_pnm(bytes)) {
    return with_retry(bytes, decode_netpbm, decode_truncated_netpbm);
  }
  return std::nullopt;
}

/// The frames of the uploaded picture named by the `image` input, at most
/// `max_frames`, as Pillow's ImageSequence gives them and
/// ImageOps.exif_transpose turns them: a JPEG's picture, each frame of a PNG,
/// APNG, WebP, GIF or TIFF, a BMP's, TGA's or Netpbm's picture.
/// TODO(#3): the TIFF variants that tiff_frames.hpp refuses (Lab, old-style
/// JPEG of other than YCbCr samples, packed grey in reversed fill order);
/// ComfyUI's retry with
/// LOAD_TRUNCATED_IMAGES, which reads what a cut file holds, for an APNG,
/// TIFF tiles and planes, GIF and WebP.
frame_list load_frames(const std::string& name, const std::string& bytes,
                       std::size_t max_frames) {
  auto decoded = signed_frames(bytes, max_frames);
  if (!decoded && looks_like_tga(bytes)) {
    // TGA has no signature: Pillow tries it after the formats that have one.
    decoded = with_retry(bytes, decode_tga, decode_truncated_tga);
  }
  if (decoded) {
    if (!*decoded) {
      return actors::fail(
          actors::errc::invalid_input,
          "cannot read image file '" + name + "': " + decoded->error().message);
    }
    return std::move(decoded->value());
  }
  auto png = decode_png_frames(bytes, max_frames);
  if (!png) {
    // ComfyUI opens and turns the picture again with LOAD_TRUNCATED_IMAGES.
    auto cut = decode_truncated_png(bytes);
    png = cut ? std::move(cut) : std::move(png);
  }
  if (!png) {
    return actors::fail(actors::errc::invalid_input,
                        "cannot identify image file '" + name +
                            "' (drover reads PNG, JPEG, WebP, GIF, TIFF, BMP, TGA and "
                            "PBM/PGM/PPM): " +
                            png.error().message);
  }
  auto frames = std::move(png.value().frames);
  for (auto& frame : frames) {
    if (png.value().orientation != 1) {
      frame = exif_transpose(frame, png.value().orientation);
    }
  }
  return frames;
}

using loaded_frames = actors::outcome::result<std::vector<pixels8>, node_failure,
                                              actors::outcome::policy::terminate>;

/// The frames of the picture named by the `image` input, as load_frames
/// gives them, or the exception that ComfyUI raises for the file.
loaded_frames load_input_frames(node_call& call, std::size_t max_frames) {
  DROVER_TRY(name, call.string("image"));
  DROVER_TRY(bytes, read_input(call.environment(), json(name)));
  auto frames = load_frames(name, bytes, max_frames);
  if (!frames && retry_raises_type_error(bytes)) {
    return node_failure{"TypeError", "function takes at most 3 arguments (4 given)"};
  }
  if (!frames) {
    return node_failure{frames.error()};
  }
  return std::move(frames.value());
}

/// The RGBA value of pixel `i`, as Pillow's convert("RGBA") gives it.
void rgba_at(const pixels8& p, std::size_t i, std::uint8_t out[4]) {
  const std::uint8_t* px = p.data.data() + i * p.channels;
  switch (p.channels) {
    case 1:
      out[0] = out[1] = out[2] = px[0], out[3] = 255;
      break;
    case 2:
      out[0] = out[1] = out[2] = px[0], out[3] = px[1];
      break;
    case 3:
      out[0] = px[0], out[1] = px[1], out[2] = px[2], out[3] = 255;
      break;
    default:
      out[0] = px[0], out[1] = px[1], out[2] = px[2], out[3] = px[3];
      break;
  }
}

bool has_alpha(const pixels8& p) {
  return p.channels == 2 || p.channels == 4;
}

float unit(std::uint8_t v) {
  return static_cast<float>(v) / 255.0f;
}

node_outcome load_image(node_call& call) {
  DROVER_TRY(loaded, load_input_frames(call, std::numeric_limits<std::size_t>::max()));
  // As ComfyUI, frames of another size than the first are left out.
  std::vector<pixels8> frames;
  for (auto& frame : loaded) {
    if (frame.width == loaded[0].width && frame.height == loaded[0].height) {
      frames.push_back(std::move(frame));
    }
  }
  auto n = static_cast<std::int64_t>(frames.size());
  auto h = static_cast<std::int64_t>(frames[0].height),
       w = static_cast<std::int64_t>(frames[0].width);
  DROVER_TRY(image, tensor::allocate({n, h, w, 3}));

  // Without alpha ComfyUI's mask is a 64×64 zero mask, whatever the image size.
  // It takes each frame's mask from the frame itself, and torch.cat fails to
  // stack masks of both kinds unless the picture is 64×64 too.
  auto alphas = std::count_if(frames.begin(), frames.end(), has_alpha);
  bool alpha = alphas > 0;
  if (alpha && alphas < n && (h != 64 || w != 64)) {
    return node_failure{"RuntimeError",
                        "Sizes of tensors must match except in dimension 0: frames with "
                        "and without alpha give masks of " +
                            std::to_string(h) + "x" + std::to_string(w) + " and 64x64"};
  }
  DROVER_TRY(mask, alpha ? tensor::allocate({n, h, w}) : tensor::allocate({n, 64, 64}));
  std::fill(mask->data(), mask->data() + mask->size(), 0.0f);
  std::uint8_t rgba[4];
  auto pixels = static_cast<std::size_t>(h * w);
  for (std::size_t f = 0; f < frames.size(); ++f) {
    float* rgb_out = image->data() + f * pixels * 3;
    float* mask_out = mask->data() + f * pixels;
    for (std::size_t i = 0; i < pixels; ++i) {
      rgba_at(frames[f], i, rgba);
      for (int c = 0; c < 3; ++c) {
        rgb_out[i * 3 + c] = unit(rgba[c]);
      }
      if (has_alpha(frames[f])) {
        mask_out[i] = 1.0f - unit(rgba[3]);
      }
    }
  }
  return node_result{{tensor_ptr{std::move(image)}, tensor_ptr{std::move(mask)}},
                     nullptr};
}

node_outcome load_image_mask(node_call& call) {
  DROVER_TRY(channel, call.string("channel"));
  static const std::string channels[] = {"red", "green", "blue", "alpha"};
  int pick = -1;
  for (int c = 0; c < 4; ++c) {
    pick = channel == channels[c] ? c : pick;
  }
  if (pick < 0) {
    return node_failure{"ValueError", "channel must be alpha, red, green or blue"};
  }
  // Pillow opens a picture at its first frame, which is all LoadImageMask reads.
  DROVER_TRY(frames, load_input_frames(call, 1));
  const auto& png = frames[0];
  auto h = static_cast<std::int64_t>(png.height),
       w = static_cast<std::int64_t>(png.width);
  DROVER_TRY(mask, tensor::allocate({1, h, w}));
  std::uint8_t rgba[4];
  auto pixels = static_cast<std::size_t>(h * w);
  for (std::size_t i = 0; i < pixels; ++i) {
    rgba_at(png, i, rgba);
    float v = unit(rgba[pick]);
    mask->data()[i] = pick == 3 ? 1.0f - v : v;
  }
  return node_result{{tensor_ptr{std::move(mask)}}, nullptr};
}

node_definition load_image_definition() {
  node_definition d;
  d.class_type = "LoadImage";
  d.display_name = "Load Image";
  d.category = "image";
  // The choices are the farm's input files, which the coordinator lists in
  // GET /object_info and checks in validation (coordinator/input_files.hpp).
  d.required("image", json::array(), {{"image_upload", true}})
      .output("IMAGE")
      .output("MASK");
  d.fingerprint = file_fingerprint;
  d.run = load_image;
  return d;
}

node_definition load_image_mask_definition() {
  node_definition d;
  d.class_type = "LoadImageMask";
  d.display_name = "Load Image (as Mask)";
  d.category = "mask";
  d.required("image", json::array(), {{"image_upload", true}})
      .required("channel", json::array({"alpha", "red", "green", "blue"}))
      .output("MASK");
  d.fingerprint = file_fingerprint;
  d.run = load_image_mask;
  return d;
}

}  // namespace

actors::result<void> register_load_image_nodes(node_registry& registry) {
  DROVER_TRYV(registry.add(load_image_definition()));
  DROVER_TRYV(registry.add(load_image_mask_definition()));
  return actors::ok();
}

}  // namespace drover::worker
