#include "worker/batch_nodes.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "worker/comfy_v3.hpp"
#include "worker/image_resize.hpp"
#include "worker/node_call.hpp"

namespace drover::worker {

namespace {

actors::result<tensor_ptr> image_input(const node_call& call, std::string_view name) {
  DROVER_TRY(t, call.tensor_input(name));
  if (t->rank() != 4) {
    return actors::fail(
        actors::errc::invalid_input,
        std::string{name} + " must be [B, H, W, C], got " + t->shape_string());
  }
  return t;
}

/// `image` with one more channel of 1.0, as torch's pad(image, (0, 1), value=1).
actors::result<tensor_ptr> pad_channel(const tensor& image) {
  const auto c = image.dim(3);
  DROVER_TRY(out, tensor::allocate({image.dim(0), image.dim(1), image.dim(2), c + 1}));
  const auto pixels = static_cast<std::int64_t>(image.size()) / c;
  for (std::int64_t p = 0; p < pixels; ++p) {
    std::copy_n(image.data() + p * c, c, out->data() + p * (c + 1));
    out->data()[p * (c + 1) + c] = 1.0f;
  }
  return tensor_ptr{std::move(out)};
}

node_outcome image_batch(node_call& call) {
  DROVER_TRY(first, image_input(call, "image1"));
  DROVER_TRY(second, image_input(call, "image2"));
  if (first->dim(3) > second->dim(3)) {
    DROVER_TRY(padded, pad_channel(*second));
    second = std::move(padded);
  } else if (first->dim(3) < second->dim(3)) {
    DROVER_TRY(padded, pad_channel(*first));
    first = std::move(padded);
  }
  if (first->dim(3) != second->dim(3)) {
    return node_failure{"RuntimeError",
                        "Sizes of tensors must match: " + first->shape_string() +
                            " and " + second->shape_string()};
  }
  if (first->dim(1) != second->dim(1) || first->dim(2) != second->dim(2)) {
    DROVER_TRY(resized,
               resize_image(*second, first->dim(2), first->dim(1), "bilinear", "center"));
    second = std::move(resized);
  }

  auto shape = first->shape();
  shape[0] += second->dim(0);
  DROVER_TRY(out, tensor::allocate(shape));
  std::copy_n(second->data(), second->size(),
              std::copy_n(first->data(), first->size(), out->data()));
  return node_result{{tensor_ptr{std::move(out)}}, nullptr};
}

node_outcome image_from_batch(node_call& call) {
  DROVER_TRY(image, image_input(call, "image"));
  DROVER_TRY(index, call.integer("batch_index"));
  DROVER_TRY(length, call.integer("length"));
  const auto batch = image->dim(0);
  index = std::clamp<std::int64_t>(index, 0, batch - 1);
  length = std::min(batch - index, length);
  auto shape = image->shape();
  shape[0] = length;
  DROVER_TRY(out, tensor::allocate(shape));
  const auto per_image = image->size() / static_cast<std::size_t>(batch);
  std::copy_n(image->data() + index * per_image, out->size(), out->data());
  return node_result{{tensor_ptr{std::move(out)}}, nullptr};
}

node_outcome repeat_image_batch(node_call& call) {
  DROVER_TRY(image, image_input(call, "image"));
  DROVER_TRY(amount, call.integer("amount"));
  auto shape = image->shape();
  shape[0] *= amount;
  DROVER_TRY(out, tensor::allocate(shape));
  for (std::int64_t i = 0; i < amount; ++i) {
    std::copy_n(image->data(), image->size(), out->data() + i * image->size());
  }
  return node_result{{tensor_ptr{std::move(out)}}, nullptr};
}

node_outcome get_image_size(node_call& call) {
  DROVER_TRY(image, image_input(call, "image"));
  const auto batch = image->dim(0), height = image->dim(1), width = image->dim(2);
  call.environment().text(call.node_id(), "width: " + std::to_string(width) +
                                              ", height: " + std::to_string(height) +
                                              "\n batch size: " + std::to_string(batch));
  return node_result{{json(width), json(height), json(batch)}, nullptr};
}

/// torch.cat's refusal of `next` after `first` along dimension 0, or nothing
/// when their other dimensions agree. `number` is `next`'s place in the list.
std::optional<node_failure> cat_mismatch(const tensor& first, const tensor& next,
                                         std::size_t number) {
  for (std::size_t d = 1; d < 4; ++d) {
    if (first.dim(d) != next.dim(d)) {
      return node_failure{"RuntimeError",
                          "Sizes of tensors must match except in dimension 0. Expected "
                          "size " +
                              std::to_string(first.dim(d)) + " but got size " +
                              std::to_string(next.dim(d)) + " for tensor number " +
                              std::to_string(number) + " in the list."};
    }
  }
  return std::nullopt;
}

/// RebatchImages: every image of every batch on the `images` list, in order,
/// regrouped into batches of `batch_size` (the last one may be smaller). A
/// list node: it sees the whole list and returns a list.
node_outcome rebatch_images(node_call& call) {
  DROVER_TRY(batch_size, call.integer("batch_size"));
  if (batch_size == 0) {
    return node_failure{"ValueError", "range() arg 3 must not be zero"};
  }
  // (source batch, image index) of every single image, in list order.
  std::vector<tensor_ptr> sources;
  std::vector<std::pair<const tensor*, std::int64_t>> singles;
  for (const auto& item : call.items("images")) {
    const auto* t = std::get_if<tensor_ptr>(&item);
    if (t == nullptr || !*t || (*t)->rank() != 4) {
      return node_failure{"ValueError",
                          "every item of 'images' must be a [B, H, W, C] image"};
    }
    sources.push_back(*t);
    for (std::int64_t i = 0; i < (*t)->dim(0); ++i) {
      singles.emplace_back(t->get(), i);
    }
  }

  std::vector<node_value> batches;
  const auto total = static_cast<std::int64_t>(singles.size());
  for (std::int64_t start = 0; batch_size > 0 && start < total; start += batch_size) {
    const auto count = std::min(batch_size, total - start);
    const auto* first = singles[start].first;
    // A group that is exactly one batch of the list passes on unchanged.
    if (singles[start].second == 0 && first->dim(0) == count &&
        singles[start + count - 1].first == first) {
      for (const auto& source : sources) {
        if (source.get() == first) {
          batches.emplace_back(source);
          break;
        }
      }
      continue;
    }
    for (std::int64_t k = 1; k < count; ++k) {
      if (auto refused = cat_mismatch(*first, *singles[start + k].first,
                                      static_cast<std::size_t>(k))) {
        return *refused;
      }
    }
    auto shape = first->shape();
    shape[0] = count;
    DROVER_TRY(out, tensor::allocate(shape));
    const auto per_image = first->size() / static_cast<std::size_t>(first->dim(0));
    for (std::int64_t k = 0; k < count; ++k) {
      const auto& [source, index] = singles[start + k];
      std::copy_n(source->data() + index * per_image, per_image,
                  out->data() + k * per_image);
    }
    batches.emplace_back(tensor_ptr{std::move(out)});
  }
  return node_result{{std::make_shared<const value_list>(value_list{std::move(batches)})},
                     nullptr};
}

node_definition images_class(std::string name, node_function run) {
  node_definition d;
  d.class_type = std::move(name);
  d.category = "image/batch";
  d.python_module = "comfy_extras.nodes_images";
  d.run = std::move(run);
  return d;
}

}  // namespace

actors::result<void> register_batch_nodes(node_registry& registry) {
  node_definition batch;
  batch.class_type = "ImageBatch";
  batch.display_name = "Batch Images";
  batch.category = "image";
  batch.required("image1", "IMAGE").required("image2", "IMAGE").output("IMAGE");
  batch.info_overrides["deprecated"] = true;
  batch.run = image_batch;

  auto from = images_class("ImageFromBatch", image_from_batch);
  from.required("image", "IMAGE", json::object())
      .required("batch_index", "INT", {{"default", 0}, {"min", 0}, {"max", 4095}})
      .required("length", "INT", {{"default", 1}, {"min", 1}, {"max", 4096}})
      .output("IMAGE");

  auto repeat = images_class("RepeatImageBatch", repeat_image_batch);
  repeat.required("image", "IMAGE", json::object())
      .required("amount", "INT", {{"default", 1}, {"min", 1}, {"max", 4096}})
      .output("IMAGE");

  auto size = images_class("GetImageSize", get_image_size);
  size.display_name = "Get Image Size";
  size.category = "image";
  size.description =
      "Returns width and height of the image, and passes it through "
      "unchanged.";
  size.required("image", "IMAGE", json::object())
      .output("INT", "width")
      .output("INT", "height")
      .output("INT", "batch_size");
  add_v3_unique_id(size);

  auto rebatch = images_class("RebatchImages", rebatch_images);
  rebatch.display_name = "Rebatch Images";
  rebatch.python_module = "comfy_extras.nodes_rebatch";
  rebatch.input_is_list = true;
  rebatch.required("images", "IMAGE", json::object())
      .required("batch_size", "INT", {{"default", 1}, {"min", 1}, {"max", 4096}})
      .output("IMAGE");
  rebatch.output_is_list = {true};

  DROVER_TRYV(registry.add(std::move(batch)));
  for (auto* d : {&from, &repeat, &size, &rebatch}) {
    mark_v3(*d);
    DROVER_TRYV(registry.add(std::move(*d)));
  }
  return actors::ok();
}

}  // namespace drover::worker
