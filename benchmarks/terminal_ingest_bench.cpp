// Terminal ingest: bytes/s from an agent's PTY through Baton's pipeline —
// reactor -> screen model -> detector -> protocol tracker (the agent monitor)
// — beside the raw PTY read rate of the same bytes in the same run.
//
//   build/benchmarks/terminal_ingest_bench [--quick] [--mb N]
//
// The bytes are the output of the real agent CLIs recorded in
// tests/agents/recordings (Claude Code, Codex, Gemini CLI), repeated to the
// chosen size and played by `cat` inside a PTY: spinners, redraws, colour and
// cursor movement as the CLIs really produce them. Goal: >= 0.4x raw.
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "actors/pty/pty_process.hpp"
#include "actors/pty/reactor.hpp"
#include "engine/monitor/agent_monitor.hpp"
#include "engine/recording/cast.hpp"
#include "packs/builtin_packs.hpp"

namespace fs = std::filesystem;
using namespace baton;
using clock_type = std::chrono::steady_clock;

namespace {

std::string recorded_output() {
  std::string out;
  for (auto& entry : fs::directory_iterator{"tests/agents/recordings"}) {
    if (entry.path().extension() != ".cast")
      continue;
    std::ifstream in{entry.path()};
    std::stringstream text;
    text << in.rdbuf();
    auto cast = engine::parse_cast(text.str(), entry.path().string());
    if (!cast) {
      std::fprintf(stderr, "%s\n", cast.err().to_string().c_str());
      std::exit(1);
    }
    for (auto& ev : cast->events)
      if (ev.kind == 'o')
        out += ev.data;
  }
  return out;
}

std::string make_input(size_t target) {
  auto sample = recorded_output();
  if (sample.empty()) {
    std::fprintf(stderr, "no recordings found: run from the repository\n");
    std::exit(1);
  }
  auto path = (fs::temp_directory_path() / "baton-ingest-input").string();
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  for (size_t written = 0; written < target; written += sample.size())
    out << sample;
  return path;
}

actors::pty::spawn_options cat(const std::string& path) {
  actors::pty::spawn_options opts;
  opts.argv = {"cat", path};
  return opts;
}

/// The Claude Code pack: the recordings are mostly Claude, Codex and Gemini
/// screens; one pack's rules are evaluated on every chunk either way.
std::shared_ptr<const engine::detect::pack> claude_pack() {
  for (auto& [name, text] : packs::builtin)
    if (name == "claude") {
      auto p = engine::detect::parse_pack(text, "builtin:claude");
      if (p)
        return std::make_shared<const engine::detect::pack>(std::move(*p));
    }
  std::fprintf(stderr, "no claude pack\n");
  std::exit(1);
}

/// Raw: read the PTY directly, as fast as it delivers, touching nothing.
double raw_rate(const std::string& path) {
  auto proc = actors::pty::pty_process::spawn(cat(path));
  if (!proc) {
    std::fprintf(stderr, "%s\n", proc.err().to_string().c_str());
    std::exit(1);
  }
  std::vector<char> buf(64 << 10);
  uint64_t bytes = 0;
  auto start = clock_type::now();
  for (;;) {
    pollfd p{proc->master_fd(), POLLIN, 0};
    poll(&p, 1, 1000);
    auto r = proc->read_some(buf.data(), buf.size());
    bytes += r.bytes;
    if (r.eof)
      break;
  }
  auto secs = std::chrono::duration<double>(clock_type::now() - start).count();
  proc->wait();
  return bytes / secs;
}

/// Baton: the reactor hands chunks to a sink that renders them.
double baton_rate(const std::string& path) {
  auto r = actors::pty::reactor::make();
  if (!r) {
    std::fprintf(stderr, "%s\n", r.err().to_string().c_str());
    std::exit(1);
  }
  auto& reactor = **r;
  engine::agent_monitor monitor{claude_pack()};
  auto start_time = clock_type::now();
  uint64_t bytes = 0;
  uint64_t observations = 0;
  std::mutex mu;
  std::condition_variable cv;
  bool exited = false;
  actors::pty::sink sink;
  sink.on_output = [&](actors::pty::agent_id id, std::string chunk) {
    auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                 clock_type::now() - start_time)
                 .count();
    observations += monitor.feed(chunk, static_cast<uint64_t>(now)).size();
    static_cast<void>(monitor.take_replies());
    bytes += chunk.size();
    reactor.consumed(id, chunk.size());
  };
  sink.on_exit = [&](actors::pty::agent_id, actors::pty::exit_status) {
    std::lock_guard guard{mu};
    exited = true;
    cv.notify_one();
  };
  auto start = clock_type::now();
  auto id = reactor.spawn(cat(path), sink);
  if (!id) {
    std::fprintf(stderr, "%s\n", id.err().to_string().c_str());
    std::exit(1);
  }
  std::unique_lock lock{mu};
  cv.wait(lock, [&] { return exited; });
  auto secs = std::chrono::duration<double>(clock_type::now() - start).count();
  if (observations == 0) { // the recordings hold states and protocol lines
    std::fprintf(stderr, "the pipeline observed nothing\n");
    std::exit(1);
  }
  return bytes / secs;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  size_t mb = 64;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick")
      mb = 8;
    else if (a == "--mb" && i + 1 < argc)
      mb = std::stoul(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--quick] [--mb N]\n", argv[0]);
      return 2;
    }
  }
  auto path = make_input(mb << 20);
  std::vector<double> raw, baton;
  for (int run = 0; run < 3; ++run) {
    raw.push_back(raw_rate(path));
    baton.push_back(baton_rate(path));
  }
  auto r = median(raw), b = median(baton);
  std::printf("terminal ingest, %zu MB of recorded agent output, median of 3\n",
              mb);
  std::printf("%-40s %8.1f MB/s | %-22s %8.1f MB/s | ratio %5.2fx  (goal "
              ">= 0.4x)\n",
              "reactor -> screen -> detector -> parser", b / 1e6,
              "raw PTY read", r / 1e6, b / r);
  fs::remove(path);
  return 0;
}
