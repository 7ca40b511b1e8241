#include "worker/batch_nodes.hpp"

#include <algorithm>

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

  DROVER_TRYV(registry.add(std::move(batch)));
  for (auto* d : {&from, &repeat, &size}) {
    mark_v3(*d);
    DROVER_TRYV(registry.add(std::move(*d)));
  }
  return actors::ok();
}

}  // namespace drover::worker
