#pragma once

#include <string>

#include "worker/tensor.hpp"

namespace drover::worker {

/// `t` written as torch's `str()` writes a float32 CPU tensor with its default
/// print options, which is what ComfyUI's PreviewAny shows: "tensor(" and the
/// nested lists, four digits after the point (or none, with a trailing ".",
/// when every value is whole), scientific notation when the values span more
/// than three decades or leave 1e-4..1e8, lines wrapped at 80 columns, and
/// over 1000 values summarised by the first and last three along each axis.
std::string tensor_str(const tensor& t);

}  // namespace drover::worker
