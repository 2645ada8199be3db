// The browser view's cost, each figure beside its baseline in the same run:
//
//  - streaming: 64 simulated agents writing to their terminals, the same run
//    once without viewers and once with 4 viewers on the WebSocket (each
//    acknowledging everything, as a page does): Baton's CPU (the process,
//    less the viewers' own threads) beside the run without viewers; bytes
//    per second delivered to each viewer beside the agents' output rate;
//    the time from a PTY chunk's record in the log to its frame at a viewer
//    (p50, p99);
//  - a snapshot of a 120x30 screen with 200 lines of scrollback (what a
//    viewer that fell behind is sent) beside reading the same screen's text;
//  - a new viewer of the 64-agent grid: connect to a complete picture.
//
//   build/benchmarks/view_bench [--quick] [--dir DIR]
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "baton/baton.hpp"
#include "engine/terminal/screen.hpp"
#include "http/server.hpp"
#include "storage/event_log.hpp"

using namespace baton;
using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "view_bench: %s\n", what.c_str());
  std::exit(1);
}

double cpu_seconds_self() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec
         + u.ru_stime.tv_usec / 1e6;
}

double cpu_seconds_thread() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

/// 64 agents: each floods `bytes` of lines as fast as it can (bytes > 0),
/// or works through a long task at the pace of a real agent — a spinner
/// at 10 frames a second, lines as it reads and edits (bytes == 0).
std::string plan(int agents, int bytes) {
  std::string args = bytes > 0 ? "\"--scenario\", \"flood\", \"--bytes\", \""
                                   + std::to_string(bytes)
                                   + "\", \"--speed\", \"0\""
                             : std::string{"\"--scenario\", \"slow\", "
                                           "\"--steps\", \"2\", "
                                           "\"--speed\", \"2\""};
  std::string out = "[run]\nname = \"view-bench\"\n[policy]\ntask_timeout = "
                    "\"10m\"\n";
  for (int i = 0; i < agents; ++i)
    out += "[agents.a" + std::to_string(i)
           + "]\npreset = \"sim\"\nargs = [" + args + "]\n";
  for (int i = 0; i < agents; ++i)
    out += "[[tasks]]\nid = \"t" + std::to_string(i) + "\"\nagent = \"a"
           + std::to_string(i) + "\"\nprompt = \"Print the log.\"\n";
  return out;
}

std::unique_ptr<run> start(runtime& rt, const std::string& text,
                           const fs::path& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  run_options o;
  o.plan_text = text;
  o.log_dir = dir / "log";
  o.workspace = dir / "work";
  auto r = rt.start(o);
  if (!r)
    fail(r.err().message());
  return std::move(*r);
}

struct viewer_result {
  uint64_t bytes = 0;
  uint64_t snapshots = 0;
  double cpu = 0;
  /// (position, the run's logical time when its frame arrived)
  std::vector<std::pair<uint64_t, uint64_t>> arrivals;
};

/// Opens the server's WebSocket as a page does.
void open_socket(websocket::stream<tcp::socket>& ws, const http::server& s) {
  auto hostport = s.url().substr(7); // "http://"
  auto colon = hostport.rfind(':');
  ws.next_layer().connect(
    {asio::ip::make_address(hostport.substr(0, colon)),
     static_cast<uint16_t>(std::stoi(hostport.substr(colon + 1)))});
  ws.handshake(hostport, "/api/v1/ws?token=" + s.token());
}

/// A page: reads every message until the end, acknowledging as a page
/// does — not each message, but what it has every 256 KiB.
void view(const http::server& s, run& r, viewer_result& out) {
  asio::io_context io;
  websocket::stream<tcp::socket> ws{io};
  open_socket(ws, s);
  beast::flat_buffer b;
  uint64_t since_ack = 0;
  for (;;) {
    ws.read(b);
    auto data = beast::buffers_to_string(b.data());
    b.consume(b.size());
    out.bytes += data.size();
    uint64_t position = 0;
    if (ws.got_binary()) {
      size_t n = static_cast<uint8_t>(data[1]);
      for (size_t i = 0; i < 8; ++i)
        position = (position << 8) | static_cast<uint8_t>(data[2 + n + i]);
      out.arrivals.emplace_back(position, r.now());
    } else {
      auto m = nlohmann::json::parse(data);
      position = m.at("position").get<uint64_t>();
      if (m.at("type") == "end")
        break;
      if (m.at("type") == "snapshot")
        ++out.snapshots;
    }
    since_ack += data.size();
    if (since_ack < (256 << 10))
      continue;
    since_ack = 0;
    ws.text(true);
    ws.write(asio::buffer(nlohmann::json{{"ack", position}}.dump()));
  }
  out.cpu = cpu_seconds_thread();
}

/// Logical times and PTY bytes of the run's log.
std::map<uint64_t, uint64_t> pty_times(const std::string& log_dir,
                                       uint64_t& pty_bytes) {
  storage::options o;
  o.read_only = true;
  o.create_if_missing = false;
  auto log = storage::event_log::open(log_dir, o);
  if (!log)
    fail(log.err().message());
  std::map<uint64_t, uint64_t> out;
  pty_bytes = 0;
  auto n = (*log)->read_all(1, UINT64_MAX, [&](storage::recorded_event&& e) {
    if (e.event().isPtyOutput()) {
      out[e.position()] = e.logical_time();
      pty_bytes += e.event().getPtyOutput().getBytes().size();
    }
    return true;
  });
  if (!n)
    fail(n.err().message());
  return out;
}

struct measured {
  double base_seconds = 0;
  double base_cpu = 0;
  double seconds = 0;
  double cpu = 0;
  double viewers_cpu = 0;
  uint64_t pty_bytes = 0;
  double delivered_per_viewer = 0;
  uint64_t snapshots = 0;
  std::vector<double> latency_ms;
  /// New viewers while the run went: connect -> the snapshot read.
  std::vector<double> picture_ms;
  /// The viewed run and its server.
  std::unique_ptr<run> viewed;
  std::unique_ptr<http::server> server;
};

/// The plan run twice: without viewers, then with 4.
measured measure(runtime& rt, const std::string& text, const fs::path& dir) {
  measured m;
  {
    auto c0 = cpu_seconds_self();
    auto t0 = clock_type::now();
    auto r = start(rt, text, dir / "plain");
    if (!r->wait(std::chrono::minutes{10}))
      fail("the run without viewers did not end");
    m.base_seconds = std::chrono::duration<double>(clock_type::now() - t0)
                       .count();
    m.base_cpu = cpu_seconds_self() - c0;
  }
  auto c0 = cpu_seconds_self();
  auto t0 = clock_type::now();
  m.viewed = start(rt, text, dir / "viewed");
  auto& r = *m.viewed;
  auto server = http::server::start(
    {.log_dir = r.log_dir(),
     .events = [&r](uint64_t from) { return r.events(from); }});
  if (!server)
    fail(server.err().message());
  m.server = std::move(*server);
  std::vector<viewer_result> results(4);
  std::vector<std::thread> viewers;
  for (auto& v : results)
    viewers.emplace_back([&, out = &v] {
      view(*m.server, r, *out);
    });
  // New viewers now and then while it runs: the time to a complete
  // picture of the grid as it stands.
  while (!r.wait(std::chrono::milliseconds{500}) && m.picture_ms.size() < 10) {
    auto t = clock_type::now();
    asio::io_context io;
    websocket::stream<tcp::socket> ws{io};
    open_socket(ws, *m.server);
    beast::flat_buffer b;
    ws.read(b);
    auto first = nlohmann::json::parse(beast::buffers_to_string(b.data()));
    if (first.at("type") != "snapshot")
      fail("a new viewer's first message is not the grid's snapshot");
    m.picture_ms.push_back(
      std::chrono::duration<double, std::milli>(clock_type::now() - t).count());
    ws.close(websocket::close_code::normal);
  }
  if (!r.wait(std::chrono::minutes{10}))
    fail("the viewed run did not end");
  for (auto& t : viewers)
    t.join();
  m.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  for (auto& v : results)
    m.viewers_cpu += v.cpu;
  m.cpu = cpu_seconds_self() - c0 - m.viewers_cpu;
  auto times = pty_times(r.log_dir(), m.pty_bytes);
  for (auto& v : results) {
    m.delivered_per_viewer += v.bytes / m.seconds / results.size();
    m.snapshots += v.snapshots;
    for (auto& [position, at] : v.arrivals)
      if (auto i = times.find(position); i != times.end() && at >= i->second)
        m.latency_ms.push_back((at - i->second) / 1000.0);
  }
  return m;
}

void stream(const char* what, const measured& m) {
  std::printf("%s, %.1f MB of terminal output:\n", what, m.pty_bytes / 1e6);
  std::printf("  without viewers %.2f s, Baton's CPU %.2f s; with 4 viewers "
              "%.2f s, Baton's CPU %.2f s (%.2fx; the viewers' own threads "
              "%.2f s not counted)\n",
              m.base_seconds, m.base_cpu, m.seconds, m.cpu, m.cpu / m.base_cpu,
              m.viewers_cpu);
  auto rate = m.pty_bytes / m.seconds;
  std::printf("  delivered per viewer %.3f MB/s, the agents' output %.3f "
              "MB/s (%.2fx; snapshots sent to viewers behind: %llu)\n",
              m.delivered_per_viewer / 1e6, rate / 1e6,
              m.delivered_per_viewer / rate,
              static_cast<unsigned long long>(m.snapshots));
  std::printf("  PTY chunk recorded -> its frame at a viewer: p50 %.2f ms, "
              "p99 %.2f ms (%zu frames)\n",
              percentile(m.latency_ms, 0.5), percentile(m.latency_ms, 0.99),
              m.latency_ms.size());
}

std::unique_ptr<measured> paced;

void snapshot_cost(bool quick) {
  engine::screen s{};
  for (int i = 0; i < 2000; ++i)
    s.feed("\x1b[32mline " + std::to_string(i)
           + "\x1b[0m of \x1b[1;34mcoloured\x1b[0m output, with some more "
             "text to fill the row a little\r\n");
  int n = quick ? 200 : 2000;
  size_t sink = 0;
  auto t0 = clock_type::now();
  for (int i = 0; i < n; ++i)
    sink += s.ansi(200).size();
  auto snap = std::chrono::duration<double, std::micro>(clock_type::now() - t0)
                .count()
              / n;
  t0 = clock_type::now();
  for (int i = 0; i < n; ++i)
    for (auto& l : s.lines())
      sink += l.size();
  auto text = std::chrono::duration<double, std::micro>(clock_type::now() - t0)
                .count()
              / n;
  std::printf("snapshot of a 120x30 screen + 200 scrollback lines: %.1f us "
              "(%zu bytes); its text rows alone: %.1f us (%.1fx)\n",
              snap, s.ansi(200).size(), text, snap / text);
  if (sink == 0)
    fail("nothing rendered");
}

} // namespace

int main(int argc, char** argv) {
  bool quick = false;
  fs::path dir = fs::temp_directory_path() / "baton-view-bench";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick")
      quick = true;
    else if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
  }
  auto self = fs::canonical("/proc/self/exe").parent_path().parent_path();
  ::setenv("BATON_EXECUTABLE", (self / "cli" / "baton").c_str(), 1);
  std::printf("view_bench: the browser view's WebSocket%s\n",
              quick ? " (quick)" : "");
  snapshot_cost(quick);

  auto rt = runtime::open();
  if (!rt)
    fail(rt.err().message());
  int agents = 64;
  paced = std::make_unique<measured>(
    measure(**rt, plan(agents, 0), dir / "paced"));
  stream("64 agents at a real agent's pace", *paced);
  auto flood = measure(**rt, plan(agents, quick ? 64 << 10 : 512 << 10),
                       dir / "flood");
  stream("64 agents flooding their terminals", flood);
  std::printf("a new viewer of the live 64-tile grid -> its complete "
              "picture (the snapshot): p50 %.2f ms, worst %.2f ms (%zu "
              "viewers, during the paced run)\n",
              percentile(paced->picture_ms, 0.5),
              percentile(paced->picture_ms, 1.0), paced->picture_ms.size());
  paced.reset();
  fs::remove_all(dir);
  return 0;
}
