#include "worker/tensor_str.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace drover::worker {

namespace {

// torch's default print options.
constexpr int precision = 4;
constexpr std::size_t threshold = 1000;
constexpr std::int64_t edge_items = 3;
constexpr std::int64_t line_width = 80;

/// Whether an axis of `size` shows only its edges when summarising.
bool elides(std::int64_t size, bool summarize) {
  return summarize && size > 2 * edge_items;
}

/// The indices an axis shows: all of them, or the edge items at either end.
std::vector<std::int64_t> shown_indices(std::int64_t size, bool summarize) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < size; ++i) {
    if (!elides(size, summarize) || i < edge_items || i >= size - edge_items) {
      out.push_back(i);
    }
  }
  return out;
}

/// printf of one double; for finite values, the text Python's format() gives.
std::string printf_double(const char* format, int digits, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, digits, v);
  return buffer;
}

/// How every value of one tensor is written: one notation, one width. torch
/// chooses both from the nonzero finite values alone.
class value_format {
 public:
  explicit value_format(const std::vector<double>& values) {
    std::vector<double> magnitudes;
    for (double v : values) {
      if (std::isfinite(v) && v != 0.0) {
        magnitudes.push_back(std::abs(v));
        whole_ = whole_ && v == std::ceil(v);
      }
    }
    if (magnitudes.empty()) {
      return;
    }
    const auto [low, high] = std::minmax_element(magnitudes.begin(), magnitudes.end());
    scientific_ = *high / *low > 1000.0 || *high > 1.0e8 || *low < 1.0e-4;
    for (double v : values) {
      if (std::isfinite(v) && v != 0.0) {
        width_ = std::max(width_, finite(v).size());
      }
    }
  }

  std::size_t width() const { return width_; }

  /// `v` right-aligned to the common width.
  std::string operator()(double v) const {
    std::string text;
    if (std::isnan(v)) {
      text = "nan";  // never C's "-nan"
    } else if (std::isinf(v)) {
      text = v > 0 ? "inf" : "-inf";
    } else {
      text = finite(v);
    }
    if (text.size() < width_) {
      text.insert(0, width_ - text.size(), ' ');
    }
    return text;
  }

 private:
  /// A whole-valued tensor's values end in "." to show that they are floats.
  std::string finite(double v) const {
    if (scientific_) {
      return printf_double("%.*e", precision, v);
    }
    return whole_ ? printf_double("%.*f", 0, v) + "."
                  : printf_double("%.*f", precision, v);
  }

  bool whole_ = true;
  bool scientific_ = false;
  std::size_t width_ = 1;
};

/// Walks the nested lists of a row-major tensor, writing torch's layout.
class printer {
 public:
  printer(const tensor& t, bool summarize, const value_format& format)
      : t_(t), summarize_(summarize), format_(format) {}

  /// The sub-tensor of `axis` and below that starts at flat `offset`.
  std::string write(std::size_t axis, std::size_t offset, std::int64_t indent) const {
    const auto size = t_.dim(axis);
    const auto stride = stride_of(axis);
    if (axis + 1 == t_.rank()) {
      return vector(offset, size, indent);
    }
    std::vector<std::string> slices;
    for (auto i : shown_indices(size, summarize_)) {
      if (elides(size, summarize_) && i == size - edge_items) {
        slices.emplace_back("...");
      }
      slices.push_back(write(axis + 1, offset + i * stride, indent + 1));
    }
    const std::string separator = "," + std::string(t_.rank() - axis - 1, '\n') +
                                  std::string(static_cast<std::size_t>(indent + 1), ' ');
    return "[" + join(slices, separator) + "]";
  }

 private:
  std::size_t stride_of(std::size_t axis) const {
    std::size_t stride = 1;
    for (auto a = axis + 1; a < t_.rank(); ++a) {
      stride *= static_cast<std::size_t>(t_.dim(a));
    }
    return stride;
  }

  /// The last axis: values filled into lines of 80 columns less the indent.
  std::string vector(std::size_t offset, std::int64_t size, std::int64_t indent) const {
    std::vector<std::string> items;
    for (auto i : shown_indices(size, summarize_)) {
      if (elides(size, summarize_) && i == size - edge_items) {
        items.emplace_back(" ...");
      }
      items.push_back(format_(t_.data()[offset + static_cast<std::size_t>(i)]));
    }
    const auto item_width = static_cast<std::int64_t>(format_.width()) + 2;
    const auto per_line = static_cast<std::size_t>(
        std::max<std::int64_t>(1, (line_width - indent) / item_width));
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < items.size(); i += per_line) {
      const auto end = std::min(items.size(), i + per_line);
      lines.push_back(join({items.begin() + i, items.begin() + end}, ", "));
    }
    return "[" +
           join(lines, ",\n" + std::string(static_cast<std::size_t>(indent + 1), ' ')) +
           "]";
  }

  static std::string join(const std::vector<std::string>& parts,
                          const std::string& separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      out += i == 0 ? parts[i] : separator + parts[i];
    }
    return out;
  }

  const tensor& t_;
  bool summarize_;
  const value_format& format_;
};

/// The values the printed text shows, from which torch picks the notation.
void shown_values(const tensor& t, bool summarize, std::size_t axis, std::size_t offset,
                  std::vector<double>& out) {
  std::size_t stride = 1;
  for (auto a = axis + 1; a < t.rank(); ++a) {
    stride *= static_cast<std::size_t>(t.dim(a));
  }
  for (auto i : shown_indices(t.dim(axis), summarize)) {
    const auto at = offset + static_cast<std::size_t>(i) * stride;
    if (axis + 1 == t.rank()) {
      out.push_back(t.data()[at]);
    } else {
      shown_values(t, summarize, axis + 1, at, out);
    }
  }
}

}  // namespace

std::string tensor_str(const tensor& t) {
  const bool summarize = t.size() > threshold;
  std::vector<double> values;
  shown_values(t, summarize, 0, 0, values);
  const value_format format{values};
  const std::string prefix = "tensor(";
  return prefix +
         printer{t, summarize, format}.write(0, 0,
                                             static_cast<std::int64_t>(prefix.size())) +
         ")";
}

}  // namespace drover::worker
