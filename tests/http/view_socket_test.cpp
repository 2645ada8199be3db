// The browser view's WebSocket (/api/v1/ws) as a page uses it, against real
// runs of simulated agents and the real server: a snapshot, then every
// event once, in order, with each agent's bytes at their offsets, until the
// end; the screens a page draws from them are the engine's; a reconnect
// goes on where it left; a page that stops acknowledging is sent nothing
// beyond the high-water mark, and then starts again from a snapshot; a
// wrong token or a foreign page is refused.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "baton/baton.hpp"
#include "engine/terminal/screen.hpp"
#include "http/server.hpp"
#include "storage/event_log.hpp"
#include "tests/api/api_support.hpp"
#include "tests/support/temp_dir.hpp"

using namespace std::chrono_literals;
using namespace baton::test;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;

namespace {

std::string plan(const std::string& a_args) {
  return R"([run]
name = "view"
[agents.a]
preset = "sim"
args = [)" + a_args + R"(]
[agents.b]
preset = "sim"
args = ["--speed", "4"]
[[tasks]]
id = "t1"
prompt = "Write the notes."
agent = "a"
[[tasks]]
id = "t2"
prompt = "Check the notes."
agent = "b"
)";
}

std::unique_ptr<baton::run> start(baton::runtime& rt, const std::string& text,
                                  const temp_dir& dir) {
  baton::run_options opts;
  opts.plan_text = text;
  opts.log_dir = dir / "log";
  opts.workspace = dir / "work";
  auto r = rt.start(opts);
  INFO((r ? "" : r.err().message()));
  REQUIRE(r.ok());
  return std::move(*r);
}

uint64_t get_u64(const std::string& s, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

/// What a page does with the messages: its own terminals, fed the
/// snapshot's drawing and then the bytes.
struct page {
  std::map<std::string, std::unique_ptr<baton::engine::screen>> screens;
  std::map<std::string, uint64_t> offsets;
  uint64_t position = 0;
  uint64_t snapshots = 0;
  bool ended = false;

  baton::engine::screen& term(const std::string& name, uint16_t cols = 120,
                              uint16_t rows = 30) {
    auto& s = screens[name];
    if (!s)
      s = std::make_unique<baton::engine::screen>(
        baton::engine::screen_options{.cols = cols, .rows = rows});
    return *s;
  }

  /// Takes one message; checks that it is the next one.
  void take(bool binary, const std::string& data) {
    if (binary) {
      REQUIRE(data.size() >= 18);
      REQUIRE(data[0] == 1);
      size_t n = static_cast<uint8_t>(data[1]);
      auto name = data.substr(2, n);
      auto at = get_u64(data, 2 + n);
      auto offset = get_u64(data, 10 + n);
      CHECK(at == position + 1);
      CHECK(offset == offsets[name]);
      position = at;
      auto bytes = data.substr(18 + n);
      offsets[name] = offset + bytes.size();
      term(name).feed(bytes);
      return;
    }
    auto m = json::parse(data);
    auto type = m.at("type").get<std::string>();
    if (type == "snapshot") {
      ++snapshots;
      position = m.at("position").get<uint64_t>();
      for (auto& a : m.at("agents")) {
        auto name = a.at("name").get<std::string>();
        screens.erase(name);
        term(name, a.at("columns").get<uint16_t>(), a.at("rows").get<uint16_t>())
          .feed(a.at("ansi").get<std::string>());
        offsets[name] = a.at("offset").get<uint64_t>();
      }
      return;
    }
    auto at = m.at("position").get<uint64_t>();
    if (type == "end") {
      CHECK(at == position);
      ended = true;
      return;
    }
    CHECK(at == position + 1);
    position = at;
    if (type == "agent") {
      auto name = m.at("name").get<std::string>();
      screens.erase(name);
      term(name, m.at("columns").get<uint16_t>(), m.at("rows").get<uint16_t>());
    } else {
      CHECK(type == "event");
      // The envelope's 64-bit numbers are strings (Cap'n Proto's JSON).
    CHECK(m.at("event").at("position").get<std::string>()
          == std::to_string(at));
    }
  }
};

tcp::endpoint endpoint_of(const std::string& url) {
  auto hostport = url.substr(7); // "http://"
  auto colon = hostport.rfind(':');
  return {asio::ip::make_address(hostport.substr(0, colon)),
          static_cast<uint16_t>(std::stoi(hostport.substr(colon + 1)))};
}

/// The status the server answers a WebSocket upgrade of `target` with.
unsigned upgrade_status(const std::string& url, const std::string& target,
                        const std::string& origin = {}) {
  asio::io_context io;
  tcp::socket s{io};
  s.connect(endpoint_of(url));
  namespace bhttp = beast::http;
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, url.substr(7));
  req.set(bhttp::field::connection, "Upgrade");
  req.set(bhttp::field::upgrade, "websocket");
  req.set(bhttp::field::sec_websocket_version, "13");
  req.set(bhttp::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  if (!origin.empty())
    req.set(bhttp::field::origin, origin);
  bhttp::write(s, req);
  beast::flat_buffer b;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(s, b, res);
  return res.result_int();
}

/// A page's WebSocket: synchronous, or a read that gives up at a deadline.
struct socket_client {
  asio::io_context io;
  websocket::stream<tcp::socket> ws{io};
  beast::flat_buffer buffer;

  /// The upgrade's answer: 101 when the server took it.
  unsigned connect(const std::string& url, const std::string& target,
                   const std::string& origin = {}) {
    ws.next_layer().connect(endpoint_of(url));
    if (!origin.empty())
      ws.set_option(websocket::stream_base::decorator(
        [origin](websocket::request_type& r) {
          r.set(beast::http::field::origin, origin);
        }));
    websocket::response_type res;
    beast::error_code ec;
    ws.handshake(res, url.substr(7), target, ec);
    return ec ? 0 : res.result_int();
  }

  /// The next message; none when `give_up()` holds before it came.
  template <class F>
  std::optional<std::pair<bool, std::string>> next(F give_up) {
    bool done = false;
    beast::error_code failed;
    ws.async_read(buffer, [&](beast::error_code ec, size_t) {
      failed = ec;
      done = true;
    });
    io.restart();
    while (!done) {
      io.run_for(50ms);
      if (!done && give_up()) {
        // Abandoned: the socket is closed with it.
        beast::get_lowest_layer(ws).close();
        io.restart();
        io.run();
        return std::nullopt;
      }
    }
    REQUIRE_FALSE(failed);
    auto data = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    return std::pair{ws.got_binary(), std::move(data)};
  }

  std::pair<bool, std::string> next() {
    auto deadline = std::chrono::steady_clock::now() + 120s;
    auto m = next([&] { return std::chrono::steady_clock::now() > deadline; });
    REQUIRE(m);
    return *m;
  }

  void ack(uint64_t position) {
    ws.text(true);
    ws.write(asio::buffer(json{{"ack", position}}.dump()));
  }
};

/// Every agent's screen as the engine's screen model draws it from the
/// log, to `up_to` (the run's end by default).
std::map<std::string, std::vector<std::string>>
engine_screens(const std::string& log_dir) {
  baton::storage::options o;
  o.read_only = true;
  o.create_if_missing = false;
  auto log = baton::storage::event_log::open(log_dir, o);
  REQUIRE(log.ok());
  std::map<std::string, std::unique_ptr<baton::engine::screen>> screens;
  auto n = (*log)->read_all(1, UINT64_MAX, [&](baton::storage::recorded_event&& e) {
    auto stream = std::string{e.stream()};
    if (!stream.starts_with("worker/"))
      return true;
    auto name = stream.substr(7);
    auto ev = e.event();
    if (ev.isProcessStarted()) {
      screens[name] = std::make_unique<baton::engine::screen>(
        baton::engine::screen_options{.cols = ev.getProcessStarted().getColumns(),
                                      .rows = ev.getProcessStarted().getRows()});
    } else if (ev.isPtyOutput()) {
      auto b = ev.getPtyOutput().getBytes();
      screens[name]->feed({reinterpret_cast<const char*>(b.begin()), b.size()});
    }
    return true;
  });
  REQUIRE(n.ok());
  std::map<std::string, std::vector<std::string>> out;
  for (auto& [name, s] : screens)
    out[name] = s->lines();
  return out;
}

void same_screens(page& p, const std::string& log_dir) {
  auto want = engine_screens(log_dir);
  REQUIRE(want.size() == 2);
  for (auto& [name, lines] : want) {
    INFO("agent " << name);
    REQUIRE(p.screens.count(name) == 1);
    CHECK(p.screens[name]->lines() == lines);
  }
}

} // namespace

TEST_CASE("a page is sent a snapshot, then every event once and in order, "
          "its screens are the engine's, a reconnect goes on where it left") {
  use_built_baton();
  temp_dir dir;
  auto rt = baton::runtime::open();
  REQUIRE(rt.ok());
  auto run = start(**rt, plan(R"("--speed", "4")"), dir);
  auto server = baton::http::server::start({.log_dir = run->log_dir()});
  REQUIRE(server.ok());
  auto url = (*server)->url();
  auto token = (*server)->token();

  page p;
  {
    socket_client c;
    REQUIRE(c.connect(url, "/api/v1/ws?token=" + token) == 101);
    auto [binary, first] = c.next();
    REQUIRE_FALSE(binary);
    REQUIRE(json::parse(first).at("type") == "snapshot");
    p.take(binary, first);
    // Some of the run, then the page goes away.
    for (int i = 0; i < 40 && !p.ended; ++i) {
      auto [b, data] = c.next();
      p.take(b, data);
      c.ack(p.position);
    }
  }
  REQUIRE_FALSE(p.ended);
  auto left_at = p.position;
  socket_client again;
  REQUIRE(again.connect(url, "/api/v1/ws?token=" + token + "&since="
                               + std::to_string(left_at))
          == 101);
  while (!p.ended) {
    auto [b, data] = again.next();
    p.take(b, data);
    again.ack(p.position);
  }
  // From where it left: no second snapshot, nothing missed or repeated.
  CHECK(p.snapshots == 1);
  REQUIRE(run->wait(60s));
  same_screens(p, run->log_dir());
}

TEST_CASE("a page that stops acknowledging is sent at most the high-water "
          "mark, acknowledged again, it starts from a snapshot") {
  use_built_baton();
  temp_dir dir;
  auto rt = baton::runtime::open();
  REQUIRE(rt.ok());
  // a floods its terminal with 6 MB while the page reads and acknowledges
  // nothing.
  auto run = start(**rt,
                   plan(R"("--scenario", "flood", "--bytes", "6000000", )"
                        R"("--speed", "0")"),
                   dir);
  auto server = baton::http::server::start({.log_dir = run->log_dir()});
  REQUIRE(server.ok());
  socket_client c;
  REQUIRE(c.connect((*server)->url(), "/api/v1/ws?token=" + (*server)->token())
          == 101);
  page p;
  size_t unacknowledged = 0;
  for (;;) {
    // Until the run is over and nothing more comes for 2 s: the server
    // stopped at the high-water mark (a quiet moment shorter than that may
    // be a sending thread the machine starved).
    auto asked = std::chrono::steady_clock::now();
    auto m = c.next([&] {
      return run->done() && std::chrono::steady_clock::now() - asked > 2s;
    });
    if (!m)
      break;
    unacknowledged += m->second.size();
    p.take(m->first, m->second);
    REQUIRE_FALSE(p.ended);
  }
  // 1 MiB, and what the last take from the feed brought (256 KiB at most,
  // or one message).
  CHECK(unacknowledged <= (1u << 20) + (256u << 10) + (64u << 10));
  CHECK(unacknowledged > (1u << 20));

  // The page acknowledges what it has, on a new connection (the old one was
  // abandoned mid-read): too far behind for the bytes, it gets a snapshot.
  socket_client again;
  REQUIRE(again.connect((*server)->url(),
                        "/api/v1/ws?token=" + (*server)->token() + "&since="
                          + std::to_string(p.position))
          == 101);
  auto before = p.snapshots;
  while (!p.ended) {
    auto [b, data] = again.next();
    p.take(b, data);
    again.ack(p.position);
  }
  CHECK(p.snapshots == before + 1);
  same_screens(p, run->log_dir());
}

TEST_CASE("the WebSocket refuses a wrong token and a foreign page") {
  use_built_baton();
  temp_dir dir;
  auto rt = baton::runtime::open();
  REQUIRE(rt.ok());
  auto run = start(**rt, plan(R"("--speed", "4")"), dir);
  auto server = baton::http::server::start({.log_dir = run->log_dir()});
  REQUIRE(server.ok());
  auto url = (*server)->url();
  CHECK(upgrade_status(url, "/api/v1/ws") == 401);
  CHECK(upgrade_status(url, "/api/v1/ws?token=0123") == 401);
  CHECK(upgrade_status(url, "/api/v1/ws?token=" + (*server)->token(),
                       "http://evil.example")
        == 403);
  socket_client own;
  CHECK(own.connect(url, "/api/v1/ws?token=" + (*server)->token(), url) == 101);
  REQUIRE(run->wait(60s));
}

TEST_CASE("a client that sends its request too slowly is answered 408 and "
          "cut, others are served meanwhile") {
  use_built_baton();
  temp_dir dir;
  auto rt = baton::runtime::open();
  REQUIRE(rt.ok());
  auto run = start(**rt, plan(R"("--speed", "4")"), dir);
  auto server = baton::http::server::start(
    {.log_dir = run->log_dir(), .request_time = std::chrono::seconds{1}});
  REQUIRE(server.ok());
  auto url = (*server)->url();
  // Half a request, and then nothing (a slowloris).
  asio::io_context io;
  tcp::socket slow{io};
  slow.connect(endpoint_of(url));
  std::string half = "GET /api/v1/run HTTP/1.1\r\nHost: x\r\nAuthorization: "
                     "Bearer " + (*server)->token() + "\r\n";
  asio::write(slow, asio::buffer(half));
  // Meanwhile a whole request is answered.
  CHECK(upgrade_status(url, "/api/v1/ws?token=" + (*server)->token()) == 101);
  // The slow one gets its answer once its time is up (the read returns it:
  // no waiting here but the server's).
  namespace bhttp = beast::http;
  beast::flat_buffer b;
  bhttp::response<bhttp::string_body> res;
  beast::error_code ec;
  bhttp::read(slow, b, res, ec);
  REQUIRE_FALSE(ec);
  CHECK(res.result_int() == 408);
  CHECK(res.body().find("within 1 s") != std::string::npos);
  REQUIRE(run->wait(60s));
}
