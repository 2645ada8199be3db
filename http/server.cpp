#include "http/server.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "baton/baton.hpp"
#include "http/embedded_files.hpp"
#include "http/live_feed.hpp"
#include "http/rest.hpp"
#include "mcp/server.hpp"

namespace baton::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
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

/// The value of cookie `name` in the request, or "".
std::string cookie_value(const request& req, std::string_view name) {
  auto c = req.find(bhttp::field::cookie);
  if (c == req.end())
    return {};
  std::string_view all{c->value().data(), c->value().size()};
  while (!all.empty()) {
    auto semi = all.find(';');
    auto pair = all.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ')
      pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name)
        && pair[name.size()] == '=')
      return std::string{pair.substr(name.size() + 1)};
    if (semi == std::string_view::npos)
      break;
    all.remove_prefix(semi + 1);
  }
  return {};
}

/// A file of the browser view: from BATON_WEB_DIR when set (development:
/// edits show without a build), else embedded.
std::optional<std::pair<std::string, std::string>>
web_file(std::string_view name) {
  if (name.find("..") != std::string_view::npos)
    return std::nullopt;
  if (const char* modules = std::getenv("BATON_WEB_MODULES");
      modules != nullptr && std::getenv("BATON_WEB_DIR") != nullptr
      && name.starts_with("vendor/")) {
    // Development: xterm.js as web/install.sh installed it.
    auto file = name == "vendor/xterm.css" ? "css/xterm.css" : "lib/xterm.js";
    std::ifstream in{std::string{modules} + "/node_modules/@xterm/xterm/"
                       + file,
                     std::ios::binary};
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      return std::pair{text.str(), std::string{name.ends_with(".css")
                                                 ? "text/css; charset=utf-8"
                                                 : "text/javascript; "
                                                   "charset=utf-8"}};
    }
  }
  for (size_t i = 0; i < embedded_file_count; ++i) {
    auto& f = embedded_files[i];
    if (f.name != name)
      continue;
    if (const char* dir = std::getenv("BATON_WEB_DIR");
        dir != nullptr && !name.starts_with("vendor/")) {
      std::ifstream in{std::string{dir} + "/" + std::string{name},
                       std::ios::binary};
      if (in) {
        std::ostringstream text;
        text << in.rdbuf();
        return std::pair{text.str(), std::string{f.content_type}};
      }
    }
    return std::pair{std::string{f.body}, std::string{f.content_type}};
  }
  if (const char* dir = std::getenv("BATON_WEB_DIR");
      dir != nullptr && !name.starts_with("vendor/")) {
    // A file added since the build.
    std::ifstream in{std::string{dir} + "/" + std::string{name},
                     std::ios::binary};
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      std::string type = name.ends_with(".css") ? "text/css; charset=utf-8"
                         : name.ends_with(".html")
                           ? "text/html; charset=utf-8"
                           : "text/javascript; charset=utf-8";
      return std::pair{text.str(), type};
    }
  }
  return std::nullopt;
}

} // namespace

struct viewer;

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
  /// Ends requests that do not arrive in time (slow or stalled clients).
  std::thread janitor;
  /// By socket: when the request being read must be complete.
  std::map<int, std::chrono::steady_clock::time_point> deadlines;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable cv;
  /// Connections being served, by their socket's descriptor.
  std::set<int> open;
  std::map<std::string, std::shared_ptr<session>> sessions;
  control_table control;
  rest_context rest;
  /// The browser view's live feed, started by its first viewer.
  std::mutex feed_mu;
  std::unique_ptr<live_feed> feed_;
  /// WebSockets open (guarded by mu).
  size_t viewers = 0;

  live_feed* feed();
  /// The cookie the token is kept in after the login page (per port: a
  /// browser keeps cookies per host, not per port).
  std::string cookie_name() const {
    return "baton_token_" + std::to_string(port);
  }
  /// GET / and /ui/...: the browser view.
  response page(const request& req);
  /// GET /api/v1/ws: one browser page's WebSocket (see live_feed).
  void view(tcp::socket socket, const request& req);

  void accept_loop();
  /// Once a second: a connection whose request is late is cut (its read
  /// fails; serve() answers 408).
  void watch_deadlines();
  void serve(tcp::socket socket);
  /// The reply refusing `req` (a foreign Origin, no token); none when it
  /// may be served.
  std::optional<response> refuse(const request& req,
                                 bool token_in_query = false);
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
  // The token in a file only its owner reads, for scripts on the machine.
  {
    auto path = p->opts.log_dir + "/http.token";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                    0600);
    if (fd >= 0) {
      ::fchmod(fd, 0600);
      auto text = p->opts.token + "\n";
      bool whole = ::write(fd, text.data(), text.size())
                   == static_cast<ssize_t>(text.size());
      ::close(fd);
      if (!whole)
        ::unlink(path.c_str());
    }
  }
  p->rest.log_dir = p->opts.log_dir;
  p->rest.control = &p->control;
  p->rest.feed = [raw = p.get()] { return raw->feed(); };
  auto* raw = p.get();
  p->accepting = std::thread{[raw] { raw->accept_loop(); }};
  p->janitor = std::thread{[raw] { raw->watch_deadlines(); }};
  return std::unique_ptr<server>{new server{std::move(p)}};
}

server::server(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

server::~server() {
  impl_->stopping = true;
  // Wakes the blocked accept, and the connections waiting for a request.
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  impl_->accepting.join();
  impl_->cv.notify_all();
  impl_->janitor.join();
  std::unique_lock lock{impl_->mu};
  // Pages get what is left of a finished run and its end (each closes
  // itself then), for a moment.
  impl_->cv.wait_for(lock, std::chrono::seconds{3},
                     [this] { return impl_->viewers == 0; });
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

void server::impl::watch_deadlines() {
  std::unique_lock lock{mu};
  while (!stopping) {
    cv.wait_for(lock, std::chrono::seconds{1});
    auto now = std::chrono::steady_clock::now();
    for (auto& [fd, deadline] : deadlines)
      if (deadline < now)
        ::shutdown(fd, SHUT_RD);
  }
}

void server::impl::serve(tcp::socket socket) {
  beast::flat_buffer buffer;
  auto fd = socket.native_handle();
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(max_body);
    boost::system::error_code bec;
    {
      std::lock_guard lock{mu};
      deadlines[fd] = std::chrono::steady_clock::now() + opts.request_time;
    }
    bhttp::read(socket, buffer, parser, bec);
    bool late = false;
    {
      std::lock_guard lock{mu};
      late = deadlines[fd] < std::chrono::steady_clock::now();
      deadlines.erase(fd);
    }
    if (bec && late && (parser.got_some() || buffer.size() > 0)) {
      request req;
      auto slow = reply(req, bhttp::status::request_timeout,
                        "a request must arrive whole within "
                          + std::to_string(opts.request_time.count())
                          + " s of the connection being idle\n");
      slow.keep_alive(false);
      bhttp::write(socket, slow, bec);
      break;
    }
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
    if (websocket::is_upgrade(req)
        && target.substr(0, target.find('?')) == "/api/v1/ws") {
      if (auto refused = refuse(req, true)) {
        refused->keep_alive(false);
        bhttp::write(socket, *refused, bec);
        break;
      }
      view(std::move(socket), req);
      return;
    }
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

std::optional<response> server::impl::refuse(const request& req,
                                             bool token_in_query) {
  std::string_view target{req.target().data(), req.target().size()};
  if (auto origin = req.find(bhttp::field::origin); origin != req.end()) {
    std::string_view o{origin->value().data(), origin->value().size()};
    auto own = ":" + std::to_string(port);
    if (o != "http://127.0.0.1" + own && o != "http://localhost" + own)
      return reply(req, bhttp::status::forbidden,
                   "requests from " + std::string{o} + " are refused\n");
  }
  auto auth = req.find(bhttp::field::authorization);
  // The token in the query string only where a browser cannot send a
  // header: the login page (which turns it into a cookie) and the
  // WebSocket's upgrade.
  bool authorized
    = (auth != req.end() && auth->value() == "Bearer " + opts.token)
      || cookie_value(req, cookie_name()) == opts.token
      || (token_in_query && query_value(target, "token") == opts.token);
  if (!authorized)
    return reply(req, bhttp::status::unauthorized,
                 "this server wants its token (Authorization: Bearer <token>)"
                 "\n");
  return std::nullopt;
}

response server::impl::handle(const request& req) {
  std::string_view target{req.target().data(), req.target().size()};
  auto q = target.find('?');
  auto path = target.substr(0, q);
  if (path == "/" || path.starts_with("/ui/"))
    return page(req);
  if (auto refused = refuse(req))
    return std::move(*refused);
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
      rest);
    return reply(req, static_cast<bhttp::status>(r.status), r.body.dump(),
                 "application/json");
  }
  return reply(req, bhttp::status::not_found,
               "no " + std::string{path}
                 + " here (the browser view is /, the MCP server /mcp, the "
                   "API /api/v1/)\n");
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
  auto cursor = opts.events
                  ? result<std::unique_ptr<event_cursor>>{opts.events(from)}
                  : open_events(opts.log_dir, from);
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

live_feed* server::impl::feed() {
  std::lock_guard lock{feed_mu};
  if (!feed_) {
    auto f = live_feed::start({.log_dir = opts.log_dir, .events = opts.events});
    if (!f)
      return nullptr;
    feed_ = std::move(*f);
  }
  return feed_.get();
}

response server::impl::page(const request& req) {
  std::string_view target{req.target().data(), req.target().size()};
  auto path = target.substr(0, target.find('?'));
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head)
    return reply(req, bhttp::status::method_not_allowed, "GET pages\n");
  if (path == "/" && !query_value(target, "token").empty()) {
    // The login: the token becomes a cookie scripts cannot read, and the
    // address bar loses it.
    if (auto refused = refuse(req, true))
      return std::move(*refused);
    auto r = reply(req, bhttp::status::see_other);
    r.set(bhttp::field::location, "/");
    r.set(bhttp::field::set_cookie,
          cookie_name() + "=" + opts.token
            + "; HttpOnly; SameSite=Strict; Path=/");
    return r;
  }
  if (auto refused = refuse(req)) {
    if (refused->result() != bhttp::status::unauthorized)
      return std::move(*refused);
    return reply(req, bhttp::status::unauthorized,
                 "<!doctype html><title>Baton</title><p>Open the address "
                 "<code>baton</code> printed when it started serving: it "
                 "carries the token.</p>\n",
                 "text/html; charset=utf-8");
  }
  auto name = path == "/" ? std::string_view{"index.html"} : path.substr(4);
  auto file = web_file(name);
  if (!file)
    return reply(req, bhttp::status::not_found,
                 "no " + std::string{path} + " here\n");
  auto r = reply(req, bhttp::status::ok, std::move(file->first),
                 file->second);
  r.set(bhttp::field::cache_control, "no-cache");
  r.set("X-Content-Type-Options", "nosniff");
  r.set("Content-Security-Policy",
        "default-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'");
  return r;
}

/// One browser page's WebSocket, on its own I/O context: what the feed has,
/// from where the page stands, as fast as the page acknowledges it.
struct viewer : std::enable_shared_from_this<viewer> {
  /// Bytes sent and not yet acknowledged above which the viewer is sent
  /// nothing more until it acknowledges.
  static constexpr size_t high_water = 1 << 20;
  /// Bytes taken from the feed at a time.
  static constexpr size_t budget = 256 << 10;

  /// How long a viewer woken by the feed waits before it takes what came:
  /// a browser draws at 60 frames a second at most, and one wake-up and
  /// one take for many events costs a fraction of one each.
  static constexpr std::chrono::milliseconds gather{4};

  std::shared_ptr<asio::io_context> ctx;
  websocket::stream<tcp::socket> ws;
  live_feed& feed;
  asio::steady_timer gathering;
  /// Set by the feed's thread when it wakes this viewer; cleared when the
  /// viewer takes.
  std::atomic<bool> woken{false};
  uint64_t next = 1;
  std::deque<live_feed::message_ptr> queue;
  std::deque<std::pair<uint64_t, size_t>> unacked;
  size_t unacked_bytes = 0;
  bool writing = false;
  bool closed = false;
  bool ended = false;
  beast::flat_buffer in;

  viewer(std::shared_ptr<asio::io_context> c, tcp::socket s, live_feed& f)
    : ctx(std::move(c)), ws(std::move(s)), feed(f), gathering(*ctx) {
  }

  /// From the feed's thread: something new. At most one wake-up per
  /// gathering period reaches the viewer's thread.
  static void wake(const std::shared_ptr<asio::io_context>& ctx,
                   const std::weak_ptr<viewer>& weak) {
    auto self = weak.lock();
    if (!self || self->woken.exchange(true))
      return;
    asio::post(*ctx, [weak] {
      auto self = weak.lock();
      if (!self)
        return;
      self->gathering.expires_after(gather);
      self->gathering.async_wait([weak](beast::error_code ec) {
        auto self = weak.lock();
        if (!self || ec)
          return;
        self->woken = false;
        self->pump();
      });
    });
  }

  void start(uint64_t since) {
    if (since == 0)
      queue_snapshot();
    else
      next = since + 1;
    read();
    pump();
  }

  void queue_snapshot() {
    auto m = feed.snapshot();
    queue.push_back(m);
    next = m->position + 1;
  }

  void pump() {
    if (writing || closed)
      return;
    if (queue.empty()) {
      if (unacked_bytes > high_water)
        return; // until the page acknowledges
      std::vector<live_feed::message_ptr> got;
      switch (feed.take(next, budget, got)) {
        case live_feed::pulled::some:
          queue.insert(queue.end(), got.begin(), got.end());
          next = got.back()->position + 1;
          break;
        case live_feed::pulled::behind: queue_snapshot(); break;
        case live_feed::pulled::none: return;
        case live_feed::pulled::ended: {
          if (ended)
            return;
          ended = true;
          auto m = std::make_shared<live_feed::message>();
          m->position = next - 1;
          m->data = "{\"type\":\"end\",\"position\":"
                    + std::to_string(m->position) + "}";
          queue.push_back(std::move(m));
          break;
        }
      }
    }
    auto m = queue.front();
    writing = true;
    ws.binary(m->binary);
    ws.async_write(asio::buffer(m->data),
                   [self = shared_from_this(), m](beast::error_code ec,
                                                  size_t n) {
                     self->writing = false;
                     if (ec) {
                       self->close();
                       return;
                     }
                     self->queue.pop_front();
                     self->unacked.emplace_back(m->position, n);
                     self->unacked_bytes += n;
                     if (self->ended && self->queue.empty()) {
                       // Everything, and the end: a normal close.
                       self->ws.async_close(
                         websocket::close_code::normal,
                         [self](beast::error_code) { self->close(); });
                       return;
                     }
                     self->pump();
                   });
  }

  void read() {
    ws.async_read(in, [self = shared_from_this()](beast::error_code ec,
                                                  size_t) {
      if (ec) {
        self->close();
        return;
      }
      auto text = beast::buffers_to_string(self->in.data());
      self->in.consume(self->in.size());
      auto msg = nlohmann::json::parse(text, nullptr, false);
      if (msg.is_object() && msg.contains("ack")
          && msg["ack"].is_number_unsigned()) {
        auto acked = msg["ack"].get<uint64_t>();
        while (!self->unacked.empty() && self->unacked.front().first <= acked) {
          self->unacked_bytes -= self->unacked.front().second;
          self->unacked.pop_front();
        }
      }
      self->pump();
      self->read();
    });
  }

  void close() {
    if (closed)
      return;
    closed = true;
    gathering.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws).close(ignored);
  }
};

void server::impl::view(tcp::socket socket, const request& req) {
  std::string_view target{req.target().data(), req.target().size()};
  uint64_t since = 0;
  if (auto v = query_value(target, "since"); !v.empty()) {
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), since);
    if (ec != std::errc{} || end != v.data() + v.size())
      since = 0; // a snapshot, then live: always a complete picture
  }
  boost::system::error_code bec;
  auto* f = feed();
  if (f == nullptr) {
    auto gone = reply(req, bhttp::status::service_unavailable,
                      "no run's log in " + opts.log_dir + "\n");
    gone.keep_alive(false);
    bhttp::write(socket, gone, bec);
    return;
  }
  // The socket moves to an I/O context of this connection's own, so its
  // reads (acknowledgements) and writes (the feed) can overlap.
  auto ctx = std::make_shared<asio::io_context>();
  auto protocol = socket.local_endpoint(bec).protocol();
  tcp::socket own{*ctx};
  own.assign(protocol, socket.release(), bec);
  if (bec)
    return;
  // A position this run has not reached came from another run (or a page
  // kept open across a log replaced): a snapshot.
  if (since > f->position())
    since = 0;
  auto v = std::make_shared<viewer>(ctx, std::move(own), *f);
  v->ws.set_option(
    websocket::stream_base::timeout::suggested(beast::role_type::server));
  v->ws.read_message_max(64 << 10);
  v->ws.accept(req, bec);
  if (bec)
    return;
  std::weak_ptr<viewer> weak = v;
  auto id = f->subscribe([ctx, weak] { viewer::wake(ctx, weak); });
  pthread_setname_np(pthread_self(), "baton.view");
  {
    std::lock_guard lock{mu};
    ++viewers;
  }
  v->start(since);
  v.reset(); // the handlers keep it while it has work
  ctx->run();
  f->unsubscribe(id);
  std::lock_guard lock{mu};
  --viewers;
  cv.notify_all();
}

} // namespace baton::http
