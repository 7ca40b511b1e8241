#include "actors/store_client.hpp"

#include <msgpack.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "actors/msgpack_json.hpp"
#include "actors/msgpack_reader.hpp"

namespace drover::actors {

struct store_client::reply {
  std::string body;
  std::uint64_t first = 0;
};

namespace {

using packer = msgpack::packer<msgpack::sbuffer>;

void pack_file(packer& out, std::uint64_t id, const store_file& file,
               std::uint32_t extra) {
  out.pack_map(4 + extra);
  pack_string(out, "id");
  out.pack_uint64(id);
  pack_string(out, "type");
  pack_string(out, file.type);
  pack_string(out, "subfolder");
  pack_string(out, file.subfolder);
  pack_string(out, "filename");
  pack_string(out, file.filename);
}

std::string to_string(const msgpack::sbuffer& buffer) {
  return std::string{buffer.data(), buffer.size()};
}

}  // namespace

store_client::store_client(zmq::context_t& context, std::string endpoint,
                           std::chrono::milliseconds timeout)
    : context_(context), endpoint_(std::move(endpoint)), timeout_(timeout) {}

store_client::~store_client() = default;

zmq::socket_t& store_client::socket() {
  if (!socket_) {
    socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
    socket_->set(zmq::sockopt::linger, 0);
    socket_->connect(endpoint_);
  }
  return *socket_;
}

result<store_client::reply> store_client::call(std::string_view verb, std::uint64_t id,
                                               const std::string& header,
                                               const std::string_view* body) {
  try {
    auto& s = socket();
    s.send(zmq::buffer(verb), zmq::send_flags::sndmore);
    s.send(zmq::buffer(header), body ? zmq::send_flags::sndmore : zmq::send_flags::none);
    if (body) {
      s.send(zmq::buffer(body->data(), body->size()), zmq::send_flags::none);
    }

    auto deadline = std::chrono::steady_clock::now() + timeout_;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      zmq::pollitem_t item{static_cast<void*>(s), 0, ZMQ_POLLIN, 0};
      if (left.count() <= 0 || zmq::poll(&item, 1, left) == 0) {
        socket_.reset();
        return fail(errc::timeout, "result store did not answer within " +
                                       std::to_string(timeout_.count()) + " ms");
      }
      std::vector<zmq::message_t> parts;
      if (!zmq::recv_multipart(s, std::back_inserter(parts))) {
        continue;
      }
      if (parts.size() < 2) {
        return fail(errc::protocol, "result store reply has too few parts");
      }
      auto handle = msgpack::unpack(parts[1].data<char>(), parts[1].size(), nullptr,
                                    nullptr, peer_unpack_limit());
      DROVER_TRY(fields, msgpack_reader::of(handle.get()));
      DROVER_TRY(reply_id, fields.unsigned_integer("id"));
      if (reply_id != id) {
        continue;  // a late answer to a request that already timed out
      }
      if (parts[0].to_string_view() != "ok") {
        DROVER_TRY(code, fields.string("code"));
        DROVER_TRY(message, fields.string("message"));
        return fail(code == "not_found" ? errc::not_found : errc::invalid_input, message);
      }
      reply r;
      if (auto* first = fields.find("first");
          first && first->type == msgpack::type::POSITIVE_INTEGER) {
        r.first = first->via.u64;
      }
      if (parts.size() > 2) {
        r.body = parts[2].to_string();
      }
      return r;
    }
  } catch (const std::exception& ex) {
    socket_.reset();
    return fail(errc::io_failure,
                std::string{"result store request failed: "} + ex.what());
  }
}

result<std::uint64_t> store_client::reserve(const store_file& folder,
                                            std::string_view prefix,
                                            std::uint32_t count) {
  msgpack::sbuffer buffer;
  packer out{buffer};
  store_file pattern = folder;
  pattern.filename = std::string{prefix};
  auto id = next_id_++;
  pack_file(out, id, pattern, 1);
  pack_string(out, "count");
  out.pack_uint32(count);
  DROVER_TRY(r, call("reserve", id, to_string(buffer), nullptr));
  return r.first;
}

result<void> store_client::put(const store_file& file, std::string_view bytes) {
  msgpack::sbuffer buffer;
  packer out{buffer};
  auto id = next_id_++;
  pack_file(out, id, file, 0);
  DROVER_TRYV(call("put", id, to_string(buffer), &bytes));
  return ok();
}

result<std::string> store_client::get(const store_file& file) {
  msgpack::sbuffer buffer;
  packer out{buffer};
  auto id = next_id_++;
  pack_file(out, id, file, 0);
  DROVER_TRY(r, call("get", id, to_string(buffer), nullptr));
  return std::move(r.body);
}

}  // namespace drover::actors
