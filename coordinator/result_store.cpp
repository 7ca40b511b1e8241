#include "coordinator/result_store.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <msgpack.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "actors/log.hpp"
#include "actors/msgpack_json.hpp"
#include "actors/msgpack_reader.hpp"
#include "actors/store_protocol.hpp"
#include "coordinator/folder_counters.hpp"

namespace drover::coordinator {

namespace fs = std::filesystem;
using actors::errc;
using actors::fail;
using actors::result;

namespace {

constexpr std::uint32_t max_reserve = 1000000;
constexpr std::int64_t max_message_bytes = std::int64_t{1} << 30;

/// A request's reply: "ok" or "error", a header map and an optional body.
struct reply {
  bool ok = true;
  std::uint64_t id = 0;
  std::optional<std::uint64_t> first;
  std::string code;
  std::string message;
  std::optional<std::string> body;
};

reply error_reply(std::uint64_t id, const actors::error& e) {
  reply r;
  r.ok = false;
  r.id = id;
  r.code = e.code == errc::not_found ? "not_found" : "invalid_input";
  r.message = e.message;
  return r;
}

std::string pack_header(const reply& r) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> out{buffer};
  out.pack_map(r.ok ? (r.first ? 2 : 1) : 3);
  actors::pack_string(out, "id");
  out.pack_uint64(r.id);
  if (r.ok && r.first) {
    actors::pack_string(out, "first");
    out.pack_uint64(*r.first);
  }
  if (!r.ok) {
    actors::pack_string(out, "code");
    actors::pack_string(out, r.code);
    actors::pack_string(out, "message");
    actors::pack_string(out, r.message);
  }
  return std::string{buffer.data(), buffer.size()};
}

/// The hidden name a file is written under before it is renamed into place.
std::string partial_name(const std::string& filename, std::uint64_t salt) {
  return "." + filename + ".tmp-" + std::to_string(salt);
}

bool is_partial(const std::string& name) {
  auto mark = name.rfind(".tmp-");
  return name.size() > 1 && name[0] == '.' && mark != std::string::npos &&
         mark + 5 < name.size() &&
         name.find_first_not_of("0123456789", mark + 5) == std::string::npos;
}

}  // namespace

struct result_store::state {
  fs::path root;
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::router};
  std::uint16_t port = 0;
  std::atomic<bool> stopping{false};
  std::thread thread;
  std::map<std::string, std::uint64_t> reserved;  ///< folder + prefix → next counter
  folder_counters counters;
  std::mt19937_64 random{std::random_device{}()};

  void serve();
  void handle(std::vector<zmq::message_t>& parts);
  reply answer(const std::string& verb, const actors::msgpack_reader& header,
               std::uint64_t id, const zmq::message_t* body);
  result<actors::store_file> file_of(const actors::msgpack_reader& header) const;
  result<std::uint64_t> reserve(const actors::store_file& folder, std::uint32_t count);
  result<void> put(const actors::store_file& file, const zmq::message_t& body);
  result<std::string> get(const actors::store_file& file) const;
  fs::path path_of(const actors::store_file& file) const {
    return root / file.type / file.subfolder / file.filename;
  }
};

result<std::unique_ptr<result_store>> result_store::start(const std::string& root,
                                                          const std::string& host,
                                                          std::uint16_t port) {
  auto s = std::make_unique<state>();
  s->root = root;
  std::error_code ec;
  fs::create_directories(s->root, ec);
  if (ec) {
    return fail(errc::io_failure, "cannot create " + root + ": " + ec.message());
  }
  bool v6 = host.find(':') != std::string::npos;
  std::string address = "tcp://" + (v6 ? "[" + host + "]" : host) + ":" +
                        (port == 0 ? std::string{"*"} : std::to_string(port));
  try {
    s->socket.set(zmq::sockopt::linger, 0);
    s->socket.set(zmq::sockopt::maxmsgsize, max_message_bytes);
    s->socket.set(zmq::sockopt::ipv6, v6 ? 1 : 0);
    s->socket.bind(address);
    auto bound = s->socket.get(zmq::sockopt::last_endpoint);
    s->port = static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
  } catch (const std::exception& ex) {
    return fail(errc::io_failure,
                "result store cannot bind " + address + ": " + ex.what());
  }
  auto* raw = s.get();
  s->thread = std::thread{[raw] {
    raw->serve();
  }};
  return std::unique_ptr<result_store>{new result_store{std::move(s)}};
}

result_store::result_store(std::unique_ptr<state> s) : state_(std::move(s)) {}

result_store::~result_store() {
  stop();
}

std::uint16_t result_store::port() const {
  return state_->port;
}

void result_store::stop() {
  if (state_->thread.joinable()) {
    state_->stopping = true;
    state_->thread.join();
    state_->socket.close();
  }
}

bool result_store::exists(const std::string& type, const std::string& path) const {
  std::error_code ec;
  return fs::is_regular_file(state_->root / type / path, ec);
}

result<std::vector<std::string>> result_store::list(const std::string& type) const {
  std::vector<std::string> names;
  std::error_code ec;
  auto folder = state_->root / type;
  if (!fs::exists(folder, ec)) {
    return names;
  }
  fs::directory_iterator it{folder, ec};
  for (; !ec && it != fs::directory_iterator{}; it.increment(ec)) {
    std::error_code kind_ec;
    auto name = it->path().filename().string();
    if (it->is_regular_file(kind_ec) && !is_partial(name)) {
      names.push_back(std::move(name));
    }
  }
  if (ec) {
    return fail(errc::io_failure, "cannot list " + type + ": " + ec.message());
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// The poll loop: wakes every 100 ms to notice `stop`.
void result_store::state::serve() {
  auto log = actors::logger("coordinator");
  while (!stopping) {
    try {
      zmq::pollitem_t item{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds{100}) == 0) {
        continue;
      }
      std::vector<zmq::message_t> parts;
      if (zmq::recv_multipart(socket, std::back_inserter(parts),
                              zmq::recv_flags::dontwait)) {
        handle(parts);
      }
    } catch (const std::exception& ex) {
      log->error("result store request failed error={}", ex.what());
    }
  }
}

void result_store::state::handle(std::vector<zmq::message_t>& parts) {
  auto log = actors::logger("coordinator");
  if (parts.size() < 3 || parts.size() > 4) {
    log->warn("result store dropped request reason=bad_part_count parts={}",
              parts.size());
    return;
  }
  std::optional<msgpack::object_handle> handle;
  try {
    handle = msgpack::unpack(parts[2].data<char>(), parts[2].size(), nullptr, nullptr,
                             actors::peer_unpack_limit());
  } catch (const std::exception& ex) {
    log->warn("result store dropped request reason=malformed_header error={}", ex.what());
    return;
  }
  auto header = actors::msgpack_reader::of(handle->get());
  auto id = header ? header.value().unsigned_integer("id") : header.error();
  if (!id) {
    log->warn("result store dropped request reason=no_id");
    return;
  }

  auto verb = parts[1].to_string();
  auto r =
      answer(verb, header.value(), id.value(), parts.size() == 4 ? &parts[3] : nullptr);
  if (!r.ok) {
    log->info("result store refused request verb={} code={} message={}", verb, r.code,
              r.message);
  }
  auto packed = pack_header(r);
  socket.send(parts[0], zmq::send_flags::sndmore);
  socket.send(zmq::buffer(r.ok ? std::string{"ok"} : std::string{"error"}),
              zmq::send_flags::sndmore);
  socket.send(zmq::buffer(packed),
              r.body ? zmq::send_flags::sndmore : zmq::send_flags::none);
  if (r.body) {
    // The body goes out without a copy: ZeroMQ frees it once it is sent.
    auto* owned = new std::string{std::move(*r.body)};
    zmq::message_t body{owned->data(), owned->size(),
                        [](void*, void* hint) { delete static_cast<std::string*>(hint); },
                        owned};
    socket.send(body, zmq::send_flags::none);
  }
}

reply result_store::state::answer(const std::string& verb,
                                  const actors::msgpack_reader& header, std::uint64_t id,
                                  const zmq::message_t* body) {
  auto file = file_of(header);
  if (!file) {
    return error_reply(id, file.error());
  }
  reply r;
  r.id = id;
  if (verb == "reserve") {
    auto count = header.unsigned_integer("count");
    if (!count || count.value() == 0 || count.value() > max_reserve) {
      return error_reply(id, fail(errc::invalid_input, "count must be 1 to 1000000"));
    }
    auto first = reserve(file.value(), static_cast<std::uint32_t>(count.value()));
    if (!first) {
      return error_reply(id, first.error());
    }
    r.first = first.value();
  } else if (verb == "put") {
    if (!body) {
      return error_reply(id, fail(errc::invalid_input, "put needs a body"));
    }
    if (auto stored = put(file.value(), *body); !stored) {
      return error_reply(id, stored.error());
    }
  } else if (verb == "get") {
    auto bytes = get(file.value());
    if (!bytes) {
      return error_reply(id, bytes.error());
    }
    r.body = std::move(bytes.value());
  } else {
    return error_reply(id, fail(errc::invalid_input, "unknown verb '" + verb + "'"));
  }
  return r;
}

result<actors::store_file> result_store::state::file_of(
    const actors::msgpack_reader& header) const {
  actors::store_file file;
  DROVER_TRY(type, header.string("type"));
  DROVER_TRY(subfolder, header.optional_string("subfolder"));
  DROVER_TRY(filename, header.string("filename"));
  file.type = std::move(type);
  file.subfolder = std::move(subfolder);
  file.filename = std::move(filename);
  auto checked = actors::check_store_file(file);
  if (!checked) {
    return fail(errc::invalid_input, checked.error().message);
  }
  return file;
}

result<std::uint64_t> result_store::state::reserve(const actors::store_file& folder,
                                                   std::uint32_t count) {
  auto highest = counters.highest(root / folder.type / folder.subfolder, folder.filename);
  auto key = folder.type + "/" + folder.subfolder + "/" + folder.filename;
  auto& next = reserved[key];
  auto first = std::max(highest + 1, next);
  next = first + count;
  return first;
}

result<void> result_store::state::put(const actors::store_file& file,
                                      const zmq::message_t& body) {
  auto target = path_of(file);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    return fail(errc::io_failure, "cannot create folder: " + ec.message());
  }
  counters.before_write(target.parent_path());
  auto temp = target.parent_path() / partial_name(file.filename, random());
  {
    std::ofstream out{temp, std::ios::binary | std::ios::trunc};
    out.write(body.data<char>(), static_cast<std::streamsize>(body.size()));
    out.flush();
    if (!out) {
      out.close();
      fs::remove(temp, ec);
      return fail(errc::io_failure, "cannot write " + file.filename);
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    fs::remove(temp, ec);
    return fail(errc::io_failure, "cannot store " + file.filename + ": " + ec.message());
  }
  counters.wrote(target.parent_path(), file.filename);
  return actors::ok();
}

result<std::string> result_store::state::get(const actors::store_file& file) const {
  auto path = path_of(file);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return fail(errc::not_found, "no such file");
  }
  auto size = fs::file_size(path, ec);
  std::ifstream in{path, std::ios::binary};
  if (ec || !in) {
    return fail(errc::io_failure, "cannot read " + file.filename);
  }
  // One read of the size the file has now; a file cut short meanwhile
  // answers what it still holds.
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.bad()) {
    return fail(errc::io_failure, "cannot read " + file.filename);
  }
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

}  // namespace drover::coordinator
