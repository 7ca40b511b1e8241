#include "client/multipart_form.hpp"

namespace drover::client {

namespace {

constexpr const char* boundary = "----droverFormBoundary7MA4YWxkTrZu0gW";

}  // namespace

void multipart_form::add_field(const std::string& name, const std::string& value) {
  parts_ += std::string{"--"} + boundary + "\r\nContent-Disposition: form-data; name=\"" +
            name + "\"\r\n\r\n" + value + "\r\n";
}

void multipart_form::add_file(const std::string& name, const std::string& filename,
                              const std::string& bytes, const std::string& content_type) {
  parts_ += std::string{"--"} + boundary + "\r\nContent-Disposition: form-data; name=\"" +
            name + "\"; filename=\"" + filename + "\"\r\nContent-Type: " + content_type +
            "\r\n\r\n" + bytes + "\r\n";
}

std::string multipart_form::body() const {
  return parts_ + "--" + boundary + "--\r\n";
}

std::string multipart_form::content_type() const {
  return std::string{"multipart/form-data; boundary="} + boundary;
}

}  // namespace drover::client
