#pragma once

// Downloads a batch's output files from GET /view into a folder, each named
// after its prompt so that a batch never overwrites itself.

#include <string>

#include "actors/result.hpp"
#include "client/batch_follower.hpp"
#include "client/gateway_client.hpp"

namespace drover::client {

/// The file name an output gets: "<first 8 of prompt_id>_<node>_<filename>",
/// the filename's folders dropped.
std::string local_output_name(const std::string& prompt_id, const output_file& file);

/// "/view?filename=…&subfolder=…&type=…", percent-encoded.
std::string view_target(const output_file& file);

/// Fetches `file` and writes it into `out_dir` (created when missing) under
/// local_output_name; returns the path written. Fails with the transport's
/// error, errc::not_found or errc::protocol on a non-200 answer, or
/// errc::io_failure when the file cannot be written.
actors::result<std::string> download_output(const gateway_address& address,
                                            const std::string& prompt_id,
                                            const output_file& file,
                                            const std::string& out_dir);

}  // namespace drover::client
