#include "worker/latent_nodes.hpp"

#include <algorithm>
#include <cmath>

#include "worker/image_resize.hpp"
#include "worker/node_call.hpp"
#include "worker/python_json.hpp"
#include "worker/safetensors.hpp"
#include "worker/save_nodes.hpp"

namespace drover::worker {

namespace {

const json upscale_methods =
    json::array({"nearest-exact", "bilinear", "area", "bicubic", "bislerp"});

node_outcome one(latent value) {
  return node_result{{latent_ptr{std::make_shared<latent>(std::move(value))}}, nullptr};
}

actors::result<latent_ptr> samples_input(const node_call& call) {
  DROVER_TRY(l, call.latent_input("samples"));
  if (!l->samples || l->samples->rank() != 4) {
    return actors::fail(actors::errc::invalid_input,
                        "samples must be a LATENT of [B, C, H, W] samples");
  }
  return l;
}

/// Rows [from, from + count) of the batch dimension of `t`, wrapping around
/// (index i reads row i % batch), as slicing a repeated tensor does.
actors::result<tensor_ptr> batch_rows(const tensor& t, std::int64_t from,
                                      std::int64_t count) {
  auto shape = t.shape();
  shape[0] = count;
  DROVER_TRY(out, tensor::allocate(shape));
  const auto per = t.size() / static_cast<std::size_t>(t.dim(0));
  for (std::int64_t i = 0; i < count; ++i) {
    const auto src = static_cast<std::size_t>((from + i) % t.dim(0));
    std::copy_n(t.data() + src * per, per, out->data() + i * per);
  }
  return tensor_ptr{std::move(out)};
}

node_outcome empty_latent(node_call& call) {
  DROVER_TRY(width, call.integer("width"));
  DROVER_TRY(height, call.integer("height"));
  DROVER_TRY(batch, call.integer("batch_size"));
  if (width < 8 || height < 8) {
    return node_failure{"ValueError", "width and height must be at least 8"};
  }
  DROVER_TRY(samples, tensor::allocate({batch, 4, height / 8, width / 8}));
  std::fill_n(samples->data(), samples->size(), 0.0f);
  return one(latent{std::move(samples), {}, nullptr});
}

node_outcome latent_from_batch(node_call& call) {
  DROVER_TRY(in, samples_input(call));
  DROVER_TRY(index, call.integer("batch_index"));
  DROVER_TRY(length, call.integer("length"));
  const auto batch = in->samples->dim(0);
  index = std::clamp<std::int64_t>(index, 0, batch - 1);
  length = std::min(batch - index, length);

  latent out;
  DROVER_TRY(samples, batch_rows(*in->samples, index, length));
  out.samples = std::move(samples);
  if (in->noise_mask) {
    // One mask serves every sample; otherwise masks repeat to cover the batch.
    if (in->noise_mask->dim(0) == 1) {
      out.noise_mask = in->noise_mask;
    } else {
      DROVER_TRY(masks, batch_rows(*in->noise_mask, index, length));
      out.noise_mask = std::move(masks);
    }
  }
  if (in->batch_index.empty()) {
    for (std::int64_t i = index; i < index + length; ++i) {
      out.batch_index.push_back(i);
    }
  } else {
    const auto& all = in->batch_index;
    const auto end = std::min<std::size_t>(all.size(), index + length);
    if (static_cast<std::size_t>(index) < end) {
      out.batch_index.assign(all.begin() + index, all.begin() + end);
    }
  }
  return one(std::move(out));
}

node_outcome repeat_latent_batch(node_call& call) {
  DROVER_TRY(in, samples_input(call));
  DROVER_TRY(amount, call.integer("amount"));
  latent out = *in;
  DROVER_TRY(samples, batch_rows(*in->samples, 0, in->samples->dim(0) * amount));
  out.samples = std::move(samples);
  if (in->noise_mask && in->noise_mask->dim(0) > 1) {
    DROVER_TRY(masks, batch_rows(*in->noise_mask, 0, in->noise_mask->dim(0) * amount));
    out.noise_mask = std::move(masks);
  }
  if (!in->batch_index.empty()) {
    const auto [low, high] =
        std::minmax_element(in->batch_index.begin(), in->batch_index.end());
    const auto offset = *high - *low + 1;
    for (std::int64_t i = 1; i < amount; ++i) {
      for (auto x : in->batch_index) {
        out.batch_index.push_back(x + i * offset);
      }
    }
  }
  return one(std::move(out));
}

/// `t` [B, C, H, W] as [B, H, W, C] (`to_channels_last`) or back.
actors::result<std::shared_ptr<tensor>> transpose(const tensor& t,
                                                  bool to_channels_last) {
  const auto b = t.dim(0);
  const auto c = to_channels_last ? t.dim(1) : t.dim(3);
  const auto h = to_channels_last ? t.dim(2) : t.dim(1);
  const auto w = to_channels_last ? t.dim(3) : t.dim(2);
  DROVER_TRY(out,
             tensor::allocate(to_channels_last ? std::vector<std::int64_t>{b, h, w, c}
                                               : std::vector<std::int64_t>{b, c, h, w}));
  for (std::int64_t n = 0; n < b; ++n) {
    for (std::int64_t k = 0; k < c; ++k) {
      for (std::int64_t p = 0; p < h * w; ++p) {
        const auto planar = (n * c + k) * h * w + p;
        const auto packed = (n * h * w + p) * c + k;
        if (to_channels_last) {
          out->data()[packed] = t.data()[planar];
        } else {
          out->data()[planar] = t.data()[packed];
        }
      }
    }
  }
  return out;
}

/// comfy.utils.common_upscale of latent samples to `width` x `height`.
node_outcome upscale_samples(const latent& in, std::int64_t width, std::int64_t height,
                             const std::string& method, const std::string& crop) {
  if (width < 1 || height < 1) {
    return node_failure{"ValueError", "upscaled latent would be empty"};
  }
  DROVER_TRY(packed, transpose(*in.samples, true));
  DROVER_TRY(resized, resize_image(*packed, width, height, method, crop));
  DROVER_TRY(planar, transpose(*resized, false));
  latent out = in;
  out.samples = std::move(planar);
  return one(std::move(out));
}

/// Python's round() of a double, half to even.
std::int64_t python_round(double v) {
  return static_cast<std::int64_t>(std::nearbyint(v));
}

node_outcome latent_upscale(node_call& call) {
  DROVER_TRY(in, samples_input(call));
  DROVER_TRY(method, call.string("upscale_method"));
  DROVER_TRY(width, call.integer("width"));
  DROVER_TRY(height, call.integer("height"));
  DROVER_TRY(crop, call.string("crop"));
  if (width == 0 && height == 0) {
    return node_result{{in}, nullptr};
  }
  const auto h = static_cast<double>(in->samples->dim(2));
  const auto w = static_cast<double>(in->samples->dim(3));
  if (width == 0) {
    height = std::max<std::int64_t>(64, height);
    width = std::max<std::int64_t>(64, python_round(w * height / h));
  } else if (height == 0) {
    width = std::max<std::int64_t>(64, width);
    height = std::max<std::int64_t>(64, python_round(h * width / w));
  } else {
    width = std::max<std::int64_t>(64, width);
    height = std::max<std::int64_t>(64, height);
  }
  return upscale_samples(*in, width / 8, height / 8, method, crop);
}

node_outcome latent_upscale_by(node_call& call) {
  DROVER_TRY(in, samples_input(call));
  DROVER_TRY(method, call.string("upscale_method"));
  DROVER_TRY(scale, call.number("scale_by"));
  const auto width = python_round(static_cast<double>(in->samples->dim(3)) * scale);
  const auto height = python_round(static_cast<double>(in->samples->dim(2)) * scale);
  return upscale_samples(*in, width, height, method, "disabled");
}

node_outcome save_latent(node_call& call) {
  DROVER_TRY(in, samples_input(call));
  std::string prefix = "ComfyUI";
  if (call.has("filename_prefix")) {
    DROVER_TRY(given, call.string("filename_prefix"));
    prefix = given;
  }
  DROVER_TRY(path, resolve_save_path(prefix, 0, 0));
  auto& env = call.environment();
  DROVER_TRY(counter,
             env.files().reserve({"output", path.subfolder, {}}, path.filename, 1));

  // The prompt and extra_pnginfo ride in the header, as json.dumps text.
  std::map<std::string, std::string> metadata{
      {"prompt", env.prompt().is_null() ? "" : python_json_dumps(env.prompt())}};
  if (env.extra_pnginfo().is_object()) {
    for (const auto& [key, value] : env.extra_pnginfo().items()) {
      metadata[key] = python_json_dumps(value);
    }
  }
  const auto& s = *in->samples;
  auto bytes = encode_safetensors(
      {{"latent_tensor", s.shape(), s.data()}, {"latent_format_version_0", {0}, nullptr}},
      metadata);

  char number[32];
  std::snprintf(number, sizeof number, "_%05llu_.latent",
                static_cast<unsigned long long>(counter));
  const std::string name = path.filename + number;
  DROVER_TRYV(env.files().put({"output", path.subfolder, name}, bytes));
  json file = {{"filename", name}, {"subfolder", path.subfolder}, {"type", "output"}};
  return node_result{{}, json{{"latents", json::array({file})}}};
}

/// folder_paths.get_annotated_filepath: "sub/name.latent [output]" names a file
/// of the output folder; without an annotation the file is an input.
actors::store_file annotated_file(std::string name) {
  std::string type = "input";
  for (const char* kind : {"input", "output", "temp"}) {
    const std::string suffix = std::string{" ["} + kind + "]";
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      name.resize(name.size() - suffix.size());
      type = kind;
    }
  }
  const auto slash = name.rfind('/');
  if (slash == std::string::npos) {
    return {type, "", name};
  }
  return {type, name.substr(0, slash), name.substr(slash + 1)};
}

node_outcome load_latent(node_call& call) {
  DROVER_TRY(name, call.string("latent"));
  DROVER_TRY(bytes, call.environment().files().get(annotated_file(name)));
  DROVER_TRY(file, decode_safetensors(bytes));
  auto found = file.tensors.find("latent_tensor");
  if (found == file.tensors.end()) {
    return node_failure{"KeyError", "'latent_tensor'"};
  }
  DROVER_TRY(samples, to_float_tensor(found->second));
  if (samples->rank() != 4) {
    return node_failure{"ValueError", "latent_tensor must be [B, C, H, W], got " +
                                          samples->shape_string()};
  }

  // Files older than latent_format_version_0 hold scaled samples.
  if (file.tensors.count("latent_format_version_0") == 0) {
    auto scaled = std::const_pointer_cast<tensor>(samples);
    for (std::size_t i = 0; i < scaled->size(); ++i) {
      scaled->data()[i] *= static_cast<float>(1.0 / 0.18215);
    }
  }
  return one(latent{std::move(samples), {}, nullptr});
}

node_definition latent_class(std::string name, std::string display_name,
                             std::string category, node_function run) {
  node_definition d;
  d.class_type = std::move(name);
  d.display_name = std::move(display_name);
  d.category = std::move(category);
  d.run = std::move(run);
  return d;
}

}  // namespace

actors::result<void> register_latent_nodes(node_registry& registry) {
  auto empty =
      latent_class("EmptyLatentImage", "Empty Latent Image", "latent", empty_latent);
  empty.description =
      "Create a new batch of empty latent images to be denoised via sampling.";
  empty
      .required("width", "INT",
                {{"default", 512}, {"min", 16}, {"max", 16384}, {"step", 8}})
      .required("height", "INT",
                {{"default", 512}, {"min", 16}, {"max", 16384}, {"step", 8}})
      .required("batch_size", "INT", {{"default", 1}, {"min", 1}, {"max", 4096}})
      .output("LATENT");

  auto from = latent_class("LatentFromBatch", "Latent From Batch", "latent/batch",
                           latent_from_batch);
  from.required("samples", "LATENT")
      .required("batch_index", "INT", {{"default", 0}, {"min", 0}, {"max", 63}})
      .required("length", "INT", {{"default", 1}, {"min", 1}, {"max", 64}})
      .output("LATENT");

  auto repeat = latent_class("RepeatLatentBatch", "Repeat Latent Batch", "latent/batch",
                             repeat_latent_batch);
  repeat.required("samples", "LATENT")
      .required("amount", "INT", {{"default", 1}, {"min", 1}, {"max", 64}})
      .output("LATENT");

  auto upscale =
      latent_class("LatentUpscale", "Upscale Latent", "latent", latent_upscale);
  const json side = {{"default", 512}, {"min", 0}, {"max", 16384}, {"step", 8}};
  upscale.required("samples", "LATENT")
      .required("upscale_method", upscale_methods)
      .required("width", "INT", side)
      .required("height", "INT", side)
      .required("crop", json::array({"disabled", "center"}))
      .output("LATENT");

  auto by =
      latent_class("LatentUpscaleBy", "Upscale Latent By", "latent", latent_upscale_by);
  by.required("samples", "LATENT")
      .required("upscale_method", upscale_methods)
      .required("scale_by", "FLOAT",
                {{"default", 1.5}, {"min", 0.01}, {"max", 8.0}, {"step", 0.01}})
      .output("LATENT");

  auto save = latent_class("SaveLatent", "SaveLatent", "_for_testing", save_latent);
  save.required("samples", "LATENT")
      .required("filename_prefix", "STRING", {{"default", "latents/ComfyUI"}})
      .hidden("prompt", "PROMPT")
      .hidden("extra_pnginfo", "EXTRA_PNGINFO");
  save.output_node = true;

  // The choices are the farm's .latent input files, which the coordinator
  // lists in GET /object_info and checks in validation
  // (coordinator/input_files.hpp).
  auto load = latent_class("LoadLatent", "LoadLatent", "_for_testing", load_latent);
  load.required("latent", json::array()).output("LATENT");

  for (auto* d : {&empty, &from, &repeat, &upscale, &by, &save, &load}) {
    DROVER_TRYV(registry.add(std::move(*d)));
  }
  return actors::ok();
}

}  // namespace drover::worker
