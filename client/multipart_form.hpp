#pragma once

// A multipart/form-data body, as ComfyUI's upload routes read one.

#include <string>

namespace drover::client {

/// Builds a multipart/form-data body field by field. The boundary is fixed
/// and long enough that an image's bytes do not contain it by chance.
class multipart_form {
 public:
  /// A plain text field.
  void add_field(const std::string& name, const std::string& value);
  /// A file field: `bytes` sent as the client's file `filename`.
  void add_file(const std::string& name, const std::string& filename,
                const std::string& bytes,
                const std::string& content_type = "application/octet-stream");

  /// The finished body (adds the closing boundary).
  std::string body() const;
  /// "multipart/form-data; boundary=…".
  std::string content_type() const;

 private:
  std::string parts_;
};

}  // namespace drover::client
