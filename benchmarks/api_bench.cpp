// The public API's costs, each beside its raw baseline in the same run:
//
//  1. Event cursor throughput: a log of N events (note events, 100-byte
//     text, 50 streams) read through baton::open_events' cursor — what an
//     embedder gets — beside the log's own read_all visiting the same
//     events (both decode every event). Goal: >= 0.5x.
//  2. Operator command round trip: a run of simulated agents; `send_keys`
//     through the control socket (baton::remote, a connection per command
//     as `baton send` makes) until the worker recorded the keys it then
//     types into the agent's terminal (promptRequested on its stream,
//     carrying the command's id). p50/p99 over the samples, beside the raw
//     round trip of a Unix socket request with no work behind it.
//
//   build/benchmarks/api_bench [--quick] [--dir DIR]
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <capnp/message.h>

#include "baton/baton.hpp"
#include "engine/event_id.hpp"
#include "schema/events.capnp.h"
#include "storage/event_log.hpp"

using namespace baton;
using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "api_bench: %s\n", what.c_str());
  std::exit(1);
}

frame note(uint64_t i) {
  capnp::MallocMessageBuilder builder;
  std::string text(100, 'x');
  auto n = std::to_string(i);
  std::memcpy(text.data(), n.data(), n.size());
  builder.initRoot<schema::Event>().initNote().setText(text);
  return frame::from(builder);
}

void build_log(const std::string& dir, uint64_t total) {
  storage::options opts;
  opts.mode = storage::durability::async;
  auto log = storage::event_log::open(dir, opts);
  if (!log)
    fail(log.err().to_string());
  std::vector<storage::new_event> batch;
  for (uint64_t i = 0; i < total;) {
    auto stream = "worker/a" + std::to_string((i / 100) % 50);
    for (int k = 0; k < 100 && i < total; ++k, ++i) {
      storage::new_event e;
      e.id = event_id::from_parts(0xa91, i + 1);
      e.logical_time = i * 1000;
      e.payload = note(i);
      batch.push_back(std::move(e));
    }
    if (auto r = (*log)->append(stream, storage::expected_version::any(), batch);
        !r)
      fail(r.err().to_string());
    batch.clear();
  }
}

/// events/s of one pass of read_all over the whole log.
double read_all_rate(const std::string& dir, uint64_t total) {
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(dir, opts);
  if (!log)
    fail(log.err().to_string());
  auto start = clock_type::now();
  uint64_t bytes = 0;
  auto n = (*log)->read_all(1, UINT64_MAX, [&](storage::recorded_event&& e) {
    bytes += e.event().getNote().getText().size();
    return true;
  });
  if (!n || *n != total || bytes == 0)
    fail("read_all: short");
  return total / seconds_since(start);
}

/// events/s of one pass of a public cursor over the whole log.
double cursor_rate(const std::string& dir, uint64_t total) {
  auto cursor = open_events(dir, 1);
  if (!cursor)
    fail(cursor.err().to_string());
  auto start = clock_type::now();
  uint64_t n = 0;
  uint64_t positions = 0;
  while (auto* e = (*cursor)->next()) {
    ++n;
    positions += e->position();
  }
  double rate = n / seconds_since(start);
  if (n != total || positions == 0)
    fail("cursor: short");
  return rate;
}

void cursor_throughput(const std::string& dir, uint64_t total) {
  build_log(dir, total);
  // Alternating passes, best of three each: neither side gets the page
  // cache warmed by the other alone.
  double raw_rate = 0;
  double rate = 0;
  for (int pass = 0; pass < 3; ++pass) {
    raw_rate = std::max(raw_rate, read_all_rate(dir, total));
    rate = std::max(rate, cursor_rate(dir, total));
  }
  std::printf("%-34s %12.0f ev/s   %-22s %12.0f ev/s   %.2fx   goal >= 0.5x\n",
              "event cursor (open_events)", rate, "read_all, same log",
              raw_rate, rate / raw_rate);
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

/// A Unix socket request and its one-line reply, with nothing behind it:
/// what any control socket costs.
std::vector<double> raw_socket_round_trips(const std::string& dir, int n) {
  auto path = dir + "/raw.sock";
  int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::listen(listener, 16) != 0)
    fail("raw socket: " + std::string{std::strerror(errno)});
  std::thread server([listener, n] {
    for (int i = 0; i < n; ++i) {
      int c = ::accept(listener, nullptr, nullptr);
      char buf[256];
      auto got = ::read(c, buf, sizeof buf);
      static_cast<void>(got);
      const char reply[] = "{\"ok\":true,\"id\":\"o1\"}\n";
      auto put = ::write(c, reply, sizeof reply - 1);
      static_cast<void>(put);
      ::close(c);
    }
  });
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    auto start = clock_type::now();
    int c = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      fail("raw connect");
    const char req[] = "{\"op\":\"keys\",\"agent\":\"a\",\"keys\":\"x\"}\n";
    auto put = ::write(c, req, sizeof req - 1);
    static_cast<void>(put);
    char buf[256];
    auto got = ::read(c, buf, sizeof buf);
    static_cast<void>(got);
    ::close(c);
    out.push_back(seconds_since(start) * 1e3);
  }
  server.join();
  ::close(listener);
  return out;
}

void operator_round_trip(const std::string& dir, int samples) {
  auto rt = runtime::open();
  if (!rt)
    fail(rt.err().to_string());
  run_options opts;
  opts.plan_text = R"([run]
name = "bench"
[agents.a]
preset = "sim"
[[tasks]]
id = "t"
prompt = "Work for a while."
agent = "a"
)";
  opts.log_dir = dir + "/run.log";
  opts.workspace = dir + "/work";
  auto r = (*rt)->start(opts);
  if (!r)
    fail(r.err().to_string());
  auto& run = **r;
  auto remote = connect(run.log_dir());
  if (!remote)
    fail(remote.err().to_string());
  auto cursor = run.events(1);
  std::vector<double> ms;
  for (int i = 0; i < samples && !run.done(); ++i) {
    auto start = clock_type::now();
    auto id = (*remote)->send_keys("a", " ", "bench");
    if (!id)
      fail(id.err().to_string());
    bool seen = false;
    while (!seen) {
      auto* e = cursor->next(std::chrono::seconds{5});
      if (e == nullptr)
        fail("keys " + *id + " never reached the worker");
      if (e->stream() == "worker/a" && e->kind() == "promptRequested"
          && std::string{e->json()}.find("\"ref\":\"" + *id + "\"")
               != std::string::npos)
        seen = true;
    }
    ms.push_back(seconds_since(start) * 1e3);
  }
  ignore(run.stop(true, "benchmark over"));
  run.wait(std::chrono::seconds{30});
  auto raw = raw_socket_round_trips(dir, samples);
  std::printf("%-34s p50 %6.2f ms  p99 %6.2f ms   %-22s p50 %6.3f ms  p99 "
              "%6.3f ms   (%zu samples)\n",
              "operator command round trip", percentile(ms, 0.5),
              percentile(ms, 0.99), "raw Unix socket request",
              percentile(raw, 0.5), percentile(raw, 0.99), ms.size());
}

} // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick")
      quick = true;
    else if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else
      fail("usage: api_bench [--quick] [--dir DIR]");
  }
  if (dir.empty())
    dir = (fs::temp_directory_path() / ("api_bench." + std::to_string(::getpid())))
            .string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  if (!std::getenv("BATON_EXECUTABLE")) {
    auto self = fs::read_symlink("/proc/self/exe").parent_path();
    ::setenv("BATON_EXECUTABLE", (self.parent_path() / "cli" / "baton").c_str(),
             1);
  }
  std::printf("api_bench: the public API (include/baton/) beside raw baselines\n");
  cursor_throughput(dir + "/cursor.log", quick ? 100'000 : 1'000'000);
  operator_round_trip(dir, quick ? 50 : 300);
  fs::remove_all(dir);
}
