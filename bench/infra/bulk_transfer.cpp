#include "bench/infra/bulk_transfer.hpp"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>

#include <zmq.hpp>

#include "actors/store_protocol.hpp"
#include "bench/infra/bare_farm.hpp"
#include "client/gateway_client.hpp"
#include "worker/store_file_sink.hpp"

namespace drover::bench {

namespace {

using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point start) {
  return std::chrono::duration<double>(clock::now() - start).count();
}

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937_64 random{seed};
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i + 8 <= size; i += 8) {
    auto word = random();
    std::memcpy(&bytes[i], &word, 8);
  }
  return bytes;
}

actors::result<bulk_run> one_transfer(bare_farm& farm, zmq::context_t& context,
                                      std::size_t mib, int rep) {
  auto bytes = random_bytes(mib << 20, static_cast<unsigned>(rep) + 1);
  actors::store_file file{"output", "bench", "bulk_" + std::to_string(rep) + ".bin"};
  bulk_run run;
  run.mib = static_cast<double>(mib);

  // A fresh sink per rep, as a worker's first upload would connect.
  worker::store_file_sink sink{context, farm.store_endpoint};
  auto start = clock::now();
  DROVER_TRYV(sink.put(file, bytes));
  run.put_seconds = seconds_since(start);

  start = clock::now();
  DROVER_TRY(view, client::http_request(
                       farm.address, "GET",
                       "/view?type=output&subfolder=bench&filename=" + file.filename));
  run.view_seconds = seconds_since(start);
  if (view.status != 200 || view.body != bytes) {
    return actors::fail(actors::errc::protocol,
                        "GET /view answered " + std::to_string(view.status) + " with " +
                            std::to_string(view.body.size()) + " other bytes");
  }
  return run;
}

}  // namespace

actors::result<void> run_bulk_transfer(
    const std::string& binary, std::size_t mib, int reps,
    const std::function<void(const bulk_run&)>& sample) {
  std::string data_dir =
      (std::filesystem::temp_directory_path() / "drover-bench-bulk-XXXXXX").string();
  if (!::mkdtemp(data_dir.data())) {
    return actors::fail(actors::errc::io_failure, "cannot create a temp folder");
  }
  auto result = [&]() -> actors::result<void> {
    DROVER_TRY(farm, start_bare_farm(binary, data_dir));
    zmq::context_t context;
    for (int rep = 0; rep < reps; ++rep) {
      DROVER_TRY(run, one_transfer(farm, context, mib, rep));
      sample(run);
    }
    return actors::ok();
  }();
  std::error_code ignored;  // a leftover temp folder is harmless
  std::filesystem::remove_all(data_dir, ignored);
  return result;
}

}  // namespace drover::bench
