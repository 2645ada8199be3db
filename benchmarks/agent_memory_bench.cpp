// Memory per idle agent on Baton's side: the resident memory Baton's process
// gains per agent session (reactor entry, screen model, detector, protocol
// tracker, delivery queues, driver thread) for N idle agents. Goal: <= 256
// KiB per agent beyond the screen's own cells.
//
//   build/benchmarks/agent_memory_bench [--quick] [--agents N]
//
// Each agent is `/bin/sh -c 'printf ...; exec sleep 3600'`: a prompt-like
// line, then silence (the agent processes are not Baton's memory and are
// not counted: RSS is read from this process's /proc/self/statm). Measured
// in the same run:
//  - baseline: N agents in the PTY reactor only, their output consumed and
//    dropped (what the PTY layer costs without Baton's reading);
//  - sessions: N agent sessions (the same agents, read by Baton).
// The screen's own cells are estimated, not measured: libvterm 0.1.4 keeps
// a ScreenCell (6 code points + pen, 36 bytes) per cell for the primary
// screen and allocates the alternate one only when a program switches to it
// (an idle shell prompt does not), so 120x30 costs about 127 KiB.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "actors/pty/reactor.hpp"
#include "actors/terminal/agent_session.hpp"
#include "actors/terminal/pack_loader.hpp"

using namespace baton;
using namespace std::chrono_literals;

namespace {

size_t rss_bytes() {
  std::ifstream in{"/proc/self/statm"};
  size_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

actors::pty::spawn_options idle_agent() {
  actors::pty::spawn_options opts;
  opts.argv = {"/bin/sh", "-c",
               "printf '\\033]0;idle agent\\007 ready\\r\\n> '; "
               "exec sleep 3600"};
  return opts;
}

/// Waits (up to 30 s) until the reactor has read output from every agent
/// and it was consumed; says how many did not get there.
void settle(actors::pty::reactor& r, std::vector<actors::pty::agent_id>& ids) {
  auto until = std::chrono::steady_clock::now() + 30s;
  size_t late = 0;
  for (auto id : ids)
    for (;;) {
      auto st = r.stats(id);
      if (st && st->bytes_read > 0 && st->unconsumed == 0)
        break;
      if (std::chrono::steady_clock::now() > until) {
        ++late;
        break;
      }
      std::this_thread::sleep_for(1ms); // polling counters, not a delay
    }
  if (late > 0)
    std::fprintf(stderr, "warning: %zu agents not settled\n", late);
}

double per_agent_kib(size_t before, size_t after, int n) {
  return (static_cast<double>(after) - static_cast<double>(before)) / 1024.0
         / n;
}

double reactor_only(int n) {
  auto r = actors::pty::reactor::make();
  auto before = rss_bytes();
  std::vector<actors::pty::agent_id> ids;
  for (int i = 0; i < n; ++i) {
    actors::pty::sink out;
    auto* reactor = r->get();
    out.on_output = [reactor](actors::pty::agent_id id, std::string bytes) {
      reactor->consumed(id, bytes.size());
    };
    auto id = (*r)->spawn(idle_agent(), std::move(out));
    if (!id)
      std::exit(1);
    ids.push_back(*id);
  }
  settle(**r, ids);
  return per_agent_kib(before, rss_bytes(), n);
}

double sessions(int n) {
  auto r = actors::pty::reactor::make();
  auto pack = actors::terminal::builtin_pack("generic");
  if (!pack)
    std::exit(1);
  // Warm up once: the first session pulls in code and allocator arenas.
  std::vector<std::unique_ptr<actors::terminal::agent_session>> all;
  auto make = [&] {
    actors::terminal::session_options opts;
    opts.spawn = idle_agent();
    opts.pack = *pack;
    opts.clock = actors::terminal::steady_clock_us();
    auto s = actors::terminal::agent_session::make(**r, opts);
    if (!s)
      std::exit(1);
    all.push_back(std::move(*s));
  };
  make();
  std::vector<actors::pty::agent_id> ids{all.back()->id()};
  settle(**r, ids);
  auto before = rss_bytes();
  for (int i = 0; i < n; ++i) {
    make();
    ids.push_back(all.back()->id());
  }
  settle(**r, ids);
  // Let every detector pass its quiet periods (the agents are idle).
  std::this_thread::sleep_for(300ms);
  return per_agent_kib(before, rss_bytes(), n);
}

} // namespace

int main(int argc, char** argv) {
  int n = 200;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick")
      n = 50;
    else if (a == "--agents" && i + 1 < argc)
      n = std::atoi(argv[++i]);
  }
  double screen_kib = 120.0 * 30 * 36 / 1024;
  auto base = reactor_only(n);
  auto with = sessions(n);
  std::printf("memory per idle agent, %d agents at 120x30 (goal <= 256 KiB "
              "beyond the screen)\n",
              n);
  std::printf("  %-44s %8.1f KiB/agent\n", "PTY reactor only (baseline)", base);
  std::printf("  %-44s %8.1f KiB/agent\n", "agent sessions (RSS delta)", with);
  std::printf("  %-44s %8.1f KiB/agent (estimated: 3600 cells x 36 B)\n",
              "  of which the screen's own cells", screen_kib);
  std::printf("  %-44s %8.1f KiB/agent\n", "  beyond the screen",
              with - screen_kib);
  return 0;
}
