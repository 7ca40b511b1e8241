#include "client/output_download.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>

namespace drover::client {

using actors::errc;
using actors::fail;

std::string local_output_name(const std::string& prompt_id, const output_file& file) {
  std::string base = std::filesystem::path{file.filename}.filename().string();
  if (base.empty() || base == "." || base == "..") {
    base = "output";
  }
  std::string node = file.node;
  for (char& c : node) {
    if (c == '/' || c == '\\') {
      c = '_';
    }
  }
  return prompt_id.substr(0, 8) + "_" + node + "_" + base;
}

std::string view_target(const output_file& file) {
  return "/view?filename=" + percent_encode(file.filename) +
         "&subfolder=" + percent_encode(file.subfolder) +
         "&type=" + percent_encode(file.type);
}

actors::result<std::string> download_output(const gateway_address& address,
                                            const std::string& prompt_id,
                                            const output_file& file,
                                            const std::string& out_dir) {
  DROVER_TRY(response, http_request(address, "GET", view_target(file)));
  if (response.status == 404) {
    return fail(errc::not_found, "the farm has no file " + file.filename);
  }
  if (response.status != 200) {
    return fail(errc::protocol, "GET /view answered " + std::to_string(response.status) +
                                    " for " + file.filename);
  }

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    return fail(errc::io_failure, "cannot create " + out_dir + ": " + ec.message());
  }
  // Written beside its final name, then renamed, so that a reader never
  // sees half a file.
  auto path = std::filesystem::path{out_dir} / local_output_name(prompt_id, file);
  auto partial = path;
  partial += ".part";
  {
    std::ofstream out{partial, std::ios::binary | std::ios::trunc};
    out.write(response.body.data(), static_cast<std::streamsize>(response.body.size()));
    if (!out) {
      return fail(errc::io_failure, "cannot write " + partial.string());
    }
  }
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    return fail(errc::io_failure,
                "cannot rename " + partial.string() + ": " + ec.message());
  }
  return path.string();
}

}  // namespace drover::client
