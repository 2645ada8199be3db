#include "http/server.hpp"

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "baton/baton.hpp"
#include "http/rest.hpp"
#include "mcp/server.hpp"

namespace baton::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using request = bhttp::request<bhttp::string_body>;
using response = bhttp::response<bhttp::string_body>;

namespace {

constexpr size_t max_connections = 64;
constexpr size_t max_body = 1 << 20;

std::string random_hex(size_t bytes) {
  std::random_device rd;
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    auto b = rd() & 0xff;
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

response reply(const request& req, bhttp::status status, std::string body = {},
               std::string type = "text/plain; charset=utf-8") {
  response r{status, req.version()};
  r.set(bhttp::field::server, "baton");
  if (!body.empty())
    r.set(bhttp::field::content_type, type);
  r.body() = std::move(body);
  r.keep_alive(req.keep_alive());
  r.prepare_payload();
  return r;
}

/// The value of `key` in the target's query string, or "".
std::string query_value(std::string_view target, std::string_view key) {
  auto q = target.find('?');
  if (q == std::string_view::npos)
    return {};
  auto query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    if (pair.starts_with(std::string{key} + "="))
      return std::string{pair.substr(key.size() + 1)};
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

} // namespace

struct server::impl {
  struct session {
    std::mutex mu;
    mcp::server mcp;
    explicit session(mcp::server_options o) : mcp(std::move(o)) {
    }
  };

  server_options opts;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  uint16_t port = 0;
  std::thread accepting;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable cv;
  /// Connections being served, by their socket's descriptor.
  std::set<int> open;
  std::map<std::string, std::shared_ptr<session>> sessions;

  void accept_loop();
  void serve(tcp::socket socket);
  /// The reply refusing `req` (a foreign Origin, no token); none when it
  /// may be served.
  std::optional<response> refuse(const request& req);
  response handle(const request& req);
  /// GET /api/v1/events/stream: the run's events as server-sent events,
  /// each with its global position as its id, from ?from= or after the
  /// Last-Event-ID a reconnecting client sends; until the run is over (an
  /// `end` event) or the client leaves.
  void stream_events(tcp::socket& socket, const request& req);
  response mcp(const request& req);
};

result<std::unique_ptr<server>> server::start(server_options opts) {
  auto colon = opts.listen.rfind(':');
  if (colon == std::string::npos)
    return error{ec::invalid_argument,
                 "--listen wants ADDR:PORT, not \"" + opts.listen + "\""};
  boost::system::error_code bec;
  auto address = asio::ip::make_address(opts.listen.substr(0, colon), bec);
  int port = -1;
  try {
    port = std::stoi(opts.listen.substr(colon + 1));
  } catch (...) {
  }
  if (bec || port < 0 || port > 65535)
    return error{ec::invalid_argument,
                 "--listen wants ADDR:PORT, not \"" + opts.listen + "\""};
  auto p = std::make_unique<impl>();
  if (opts.token.empty())
    opts.token = random_hex(16);
  p->opts = std::move(opts);
  tcp::endpoint at{address, static_cast<uint16_t>(port)};
  p->acceptor.open(at.protocol(), bec);
  if (!bec)
    p->acceptor.set_option(asio::socket_base::reuse_address(true), bec);
  if (!bec)
    p->acceptor.bind(at, bec);
  if (!bec)
    p->acceptor.listen(asio::socket_base::max_listen_connections, bec);
  if (bec)
    return error{ec::io_error, "cannot listen on " + p->opts.listen + ": "
                                 + bec.message()};
  p->port = p->acceptor.local_endpoint().port();
  auto* raw = p.get();
  p->accepting = std::thread{[raw] { raw->accept_loop(); }};
  return std::unique_ptr<server>{new server{std::move(p)}};
}

server::server(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

server::~server() {
  impl_->stopping = true;
  // Wakes the blocked accept, and the connections waiting for a request.
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  impl_->accepting.join();
  std::unique_lock lock{impl_->mu};
  for (int fd : impl_->open)
    ::shutdown(fd, SHUT_RD);
  // A tool call under way ends within its own limit (50 s).
  impl_->cv.wait_for(lock, std::chrono::seconds{60},
                     [this] { return impl_->open.empty(); });
}

std::string server::url() const {
  auto host = impl_->acceptor.local_endpoint().address().to_string();
  return "http://" + host + ":" + std::to_string(impl_->port);
}

const std::string& server::token() const {
  return impl_->opts.token;
}

void server::impl::accept_loop() {
  while (!stopping) {
    tcp::socket socket{io};
    boost::system::error_code bec;
    acceptor.accept(socket, bec);
    if (bec || stopping)
      continue;
    std::unique_lock lock{mu};
    if (open.size() >= max_connections) {
      lock.unlock();
      request req;
      auto busy = reply(req, bhttp::status::service_unavailable,
                        "too many connections (at most 64)\n");
      busy.keep_alive(false);
      bhttp::write(socket, busy, bec);
      continue;
    }
    open.insert(socket.native_handle());
    std::thread{[this, s = std::move(socket)]() mutable {
      auto fd = s.native_handle();
      serve(std::move(s));
      std::lock_guard lock{mu};
      open.erase(fd);
      cv.notify_all();
    }}.detach();
  }
}

void server::impl::serve(tcp::socket socket) {
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(max_body);
    boost::system::error_code bec;
    bhttp::read(socket, buffer, parser, bec);
    if (bec == bhttp::error::body_limit) {
      request req;
      auto big = reply(req, bhttp::status::payload_too_large,
                       "a request body may hold at most 1 MiB\n");
      big.keep_alive(false);
      bhttp::write(socket, big, bec);
      break;
    }
    if (bec)
      break; // closed, or not HTTP
    auto req = parser.release();
    std::string_view target{req.target().data(), req.target().size()};
    if (req.method() == bhttp::verb::get
        && target.substr(0, target.find('?')) == "/api/v1/events/stream") {
      if (auto refused = refuse(req)) {
        refused->keep_alive(false);
        bhttp::write(socket, *refused, bec);
      } else {
        stream_events(socket, req);
      }
      break; // a stream ends its connection
    }
    auto res = handle(req);
    bhttp::write(socket, res, bec);
    if (bec || !res.keep_alive())
      break;
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

std::optional<response> server::impl::refuse(const request& req) {
  std::string_view target{req.target().data(), req.target().size()};
  if (auto origin = req.find(bhttp::field::origin); origin != req.end()) {
    std::string_view o{origin->value().data(), origin->value().size()};
    auto own = ":" + std::to_string(port);
    if (o != "http://127.0.0.1" + own && o != "http://localhost" + own)
      return reply(req, bhttp::status::forbidden,
                   "requests from " + std::string{o} + " are refused\n");
  }
  auto auth = req.find(bhttp::field::authorization);
  bool authorized
    = (auth != req.end() && auth->value() == "Bearer " + opts.token)
      || query_value(target, "token") == opts.token;
  if (!authorized)
    return reply(req, bhttp::status::unauthorized,
                 "this server wants its token (Authorization: Bearer <token>)"
                 "\n");
  return std::nullopt;
}

response server::impl::handle(const request& req) {
  if (auto refused = refuse(req))
    return std::move(*refused);
  std::string_view target{req.target().data(), req.target().size()};
  auto q = target.find('?');
  auto path = target.substr(0, q);
  if (path == "/mcp")
    return mcp(req);
  if (path.starts_with("/api/v1/")) {
    auto by = req.find("X-Baton-By");
    auto r = handle_rest(
      {req.method_string().data(), req.method_string().size()}, path,
      q == std::string_view::npos ? std::string_view{} : target.substr(q + 1),
      req.body(),
      by == req.end() ? std::string_view{}
                      : std::string_view{by->value().data(),
                                         by->value().size()},
      opts.log_dir);
    return reply(req, static_cast<bhttp::status>(r.status), r.body.dump(),
                 "application/json");
  }
  return reply(req, bhttp::status::not_found,
               "no " + std::string{path}
                 + " here (the MCP server is /mcp, the API /api/v1/)\n");
}

void server::impl::stream_events(tcp::socket& socket, const request& req) {
  std::string_view target{req.target().data(), req.target().size()};
  uint64_t from = 1;
  if (auto last = req.find("Last-Event-ID"); last != req.end()) {
    try {
      from = std::stoull(std::string{last->value()}) + 1;
    } catch (...) {
    }
  } else if (auto f = query_value(target, "from"); !f.empty()) {
    try {
      from = std::stoull(f);
    } catch (...) {
    }
  }
  boost::system::error_code bec;
  auto send = [&](const std::string& text) {
    asio::write(socket, asio::buffer(text), bec);
    return !bec;
  };
  auto cursor = open_events(opts.log_dir, from);
  if (!cursor) {
    request r = req;
    auto gone = reply(r, bhttp::status::service_unavailable,
                      cursor.err().message() + "\n");
    gone.keep_alive(false);
    bhttp::write(socket, gone, bec);
    return;
  }
  if (!send("HTTP/1.1 200 OK\r\nServer: baton\r\nContent-Type: "
            "text/event-stream\r\nCache-Control: no-cache\r\n"
            "Connection: close\r\n\r\n"))
    return;
  auto quiet_since = std::chrono::steady_clock::now();
  while (!stopping) {
    auto* e = (*cursor)->next(std::chrono::milliseconds{250});
    if (e != nullptr) {
      if (!send("id: " + std::to_string(e->position())
                + "\nevent: event\ndata: " + e->json() + "\n\n"))
        return;
      quiet_since = std::chrono::steady_clock::now();
      continue;
    }
    if ((*cursor)->at_end() || !(*cursor)->error()) {
      send("event: end\ndata: {}\n\n");
      return;
    }
    // A comment now and then: a client that left is found out.
    if (std::chrono::steady_clock::now() - quiet_since
        > std::chrono::seconds{15}) {
      if (!send(": still here\n\n"))
        return;
      quiet_since = std::chrono::steady_clock::now();
    }
  }
}

response server::impl::mcp(const request& req) {
  auto method = req.method();
  auto sid = req.find("Mcp-Session-Id");
  std::string id = sid == req.end()
                     ? std::string{}
                     : std::string{sid->value().data(), sid->value().size()};
  if (method == bhttp::verb::get) {
    auto r = reply(req, bhttp::status::method_not_allowed,
                   "this server sends nothing unasked: POST messages\n");
    r.set(bhttp::field::allow, "POST, DELETE");
    return r;
  }
  if (method == bhttp::verb::delete_) {
    std::lock_guard lock{mu};
    if (sessions.erase(id) == 0)
      return reply(req, bhttp::status::not_found, "no such session\n");
    return reply(req, bhttp::status::ok);
  }
  if (method != bhttp::verb::post)
    return reply(req, bhttp::status::method_not_allowed, "POST messages\n");
  if (auto v = req.find("MCP-Protocol-Version"); v != req.end()) {
    std::string_view version{v->value().data(), v->value().size()};
    if (version != "2025-06-18" && version != "2025-03-26"
        && version != "2024-11-05")
      return reply(req, bhttp::status::bad_request,
                   "unsupported MCP-Protocol-Version " + std::string{version}
                     + "\n");
  }
  auto body = nlohmann::json::parse(req.body(), nullptr, false);
  bool initialize = body.is_object() && body.value("method", "") == "initialize";
  std::shared_ptr<session> s;
  {
    std::lock_guard lock{mu};
    if (initialize) {
      id = random_hex(16);
      s = std::make_shared<session>(mcp::server_options{.log_dir = opts.log_dir});
      sessions.emplace(id, s);
    } else if (id.empty()) {
      return reply(req, bhttp::status::bad_request,
                   "a message after initialize needs its Mcp-Session-Id\n");
    } else if (auto i = sessions.find(id); i != sessions.end()) {
      s = i->second;
    } else {
      return reply(req, bhttp::status::not_found,
                   "no session " + id + " (initialize again)\n");
    }
  }
  // A cancellation reaches the call it cancels at once: that call holds
  // the session.
  if (auto cancelled = mcp::server::cancels(req.body())) {
    s->mcp.cancel(*cancelled);
    return reply(req, bhttp::status::accepted);
  }
  std::string answer;
  {
    std::lock_guard lock{s->mu};
    answer = s->mcp.handle(req.body());
  }
  if (answer.empty())
    return reply(req, bhttp::status::accepted);
  auto r = reply(req, bhttp::status::ok, std::move(answer), "application/json");
  if (initialize)
    r.set("Mcp-Session-Id", id);
  return r;
}

} // namespace baton::http
