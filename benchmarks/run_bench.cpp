// `baton run`'s own cost with real agents in pseudo-terminals (`baton sim`):
//
//  1. Dispatch -> DONE round trip: one sim agent (`--speed 0`, no animation
//     delays) given K tasks one after another; per task, the logical time
//     from the recorded dispatch decision to the recorded DONE (the gate
//     request), beside the same round trip done raw — the same prompt
//     written straight into the agent's PTY and its bytes read until the
//     STATUS: DONE line appears (no actors, no log, no screen model).
//  2. CPU share: N sim agents (default 64, normal speed) each doing one
//     task under the full engine (actors, screen models, detectors, log
//     with durability group); Baton's CPU time (this process: user + sys)
//     over the wall time, in % of one core, beside the same agents typed
//     the same prompt raw with their output read and dropped. Goal: <= 25 %.
//
//   build/benchmarks/run_bench [--quick] [--agents N] [--tasks K]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/agent_terminal.hpp"
#include "actors/pty/reactor.hpp"
#include "actors/team.hpp"
#include "actors/terminal/pack_loader.hpp"
#include "engine/plan/plan_parser.hpp"
#include "engine/recorded_enums.hpp"
#include "storage/event_log.hpp"

using namespace baton;
using clk = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

std::string baton_exe;

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec)
         + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// A TOML basic string.
std::string toml_quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

/// The plan as the text a run records (its runStarted), so that the
/// benchmark's logs replay like any run's.
std::string plan_text(size_t agents, size_t tasks,
                      const std::vector<std::string>& args) {
  std::string t = "[run]\nname = \"bench\"\n[policy]\nretries = 0\n";
  for (size_t a = 0; a < agents; ++a) {
    auto name = "a" + std::to_string(a);
    t += "[agents." + name + "]\npreset = \"sim\"\ncommand = [";
    t += toml_quoted(baton_exe) + ", \"sim\", ";
    for (auto& arg : args)
      t += toml_quoted(arg) + ",";
    t += "]\n";
  }
  for (size_t a = 0; a < agents; ++a)
    for (size_t k = 0; k < tasks; ++k) {
      auto id = "a" + std::to_string(a) + "." + std::to_string(k);
      t += "[[tasks]]\nid = \"" + id + "\"\nagent = \"a" + std::to_string(a)
           + "\"\nprompt = \"Make change " + id + ".\"\n";
    }
  return t;
}

struct bench_plan {
  std::string text;
  engine::plan plan;
};

bench_plan make_plan(size_t agents, size_t tasks,
                     const std::vector<std::string>& args) {
  auto text = plan_text(agents, tasks, args);
  auto p = engine::parse_plan(text, "bench.toml");
  if (!p) {
    std::fprintf(stderr, "the benchmark's plan: %s\n",
                 p.err().message().c_str());
    std::exit(1);
  }
  return {text, std::move(*p)};
}

struct run_outcome {
  double wall = 0;
  double cpu = 0;
  std::vector<double> round_trips_ms;
  size_t passed = 0;
  /// Per task, from the log: dispatch decision -> prompt typed; typed ->
  /// the DONE bytes read; those bytes -> the DONE line reported (the pack's
  /// quiet period before a visible line counts); reported -> the gate
  /// decision.
  std::vector<double> to_typed_ms, agent_ms, settle_ms, to_decision_ms;
};

run_outcome run_team(const bench_plan& bp, const fs::path& dir,
                     actors::pty::reactor& reactor) {
  fs::remove_all(dir);
  fs::create_directories(dir / "work");
  storage::options lopts;
  lopts.mode = storage::durability::group;
  auto log = storage::event_log::open((dir / "log").string(), lopts);
  if (!log) {
    std::fprintf(stderr, "%s\n", log.err().to_string().c_str());
    std::exit(1);
  }
  auto pack = actors::terminal::builtin_pack("sim");
  run_outcome out;
  {
    caf::actor_system_config cfg;
    actors::configure_actor_system(cfg);
    caf::actor_system sys{cfg};
    auto origin = clk::now();
    actors::team_options opts;
    opts.plan = bp.plan;
    opts.plan_text = bp.text;
    opts.clock = [origin] {
      return static_cast<uint64_t>(
               std::chrono::duration_cast<std::chrono::microseconds>(clk::now()
                                                                     - origin)
                 .count())
             + 1;
    };
    opts.stop_grace = std::chrono::milliseconds{500};
    for (auto& a : bp.plan.agents) {
      actors::pty::spawn_options spawn;
      spawn.argv = a.command;
      spawn.working_dir = (dir / "work").string();
      actors::team_agent t;
      t.name = a.name;
      t.pack = *pack;
      t.workdir = spawn.working_dir;
      t.core.submit_delay_us = 0;
      t.terminal = actors::make_pty_terminal(reactor, spawn);
      opts.agents.push_back(std::move(t));
    }
    auto cpu0 = cpu_seconds();
    auto start = clk::now();
    auto team = actors::team::start(sys, **log, std::move(opts));
    if (!team) {
      std::fprintf(stderr, "%s\n", team.err().message().c_str());
      std::exit(1);
    }
    while (!(*team)->wait(std::chrono::seconds{1})) {
    }
    out.wall = std::chrono::duration<double>(clk::now() - start).count();
    out.cpu = cpu_seconds() - cpu0;
  }
  auto events = (*log)->read("orchestrator");
  std::map<std::string, uint64_t> dispatched_at;
  if (events)
    for (auto& e : *events) {
      auto ev = e.event();
      if (ev.isTaskDispatched())
        dispatched_at[ev.getTaskDispatched().getTask().cStr()]
          = e.logical_time();
      if (ev.isGateRequested()) {
        auto at = dispatched_at[ev.getGateRequested().getTask().cStr()];
        out.round_trips_ms.push_back(static_cast<double>(e.logical_time() - at)
                                     / 1000.0);
      }
      if (ev.isTaskSettled() && ev.getTaskSettled().getPassed())
        ++out.passed;
    }
  if (bp.plan.agents.size() == 1 && events) {
    // Walk the worker's stream alongside: typed, DONE bytes, DONE line.
    std::vector<uint64_t> dispatch, gate;
    for (auto& e : *events) {
      if (e.event().isTaskDispatched())
        dispatch.push_back(e.logical_time());
      if (e.event().isGateRequested())
        gate.push_back(e.logical_time());
    }
    auto worker = (*log)->read("worker/" + bp.plan.agents[0].name);
    std::vector<uint64_t> typed, bytes, line;
    bool waiting_typed = false, waiting_bytes = false;
    std::string since_typed;
    if (worker)
      for (auto& e : *worker) {
        auto ev = e.event();
        if (ev.isPromptRequested())
          waiting_typed = true;
        if (ev.isPtyInput() && waiting_typed) {
          typed.push_back(e.logical_time());
          since_typed.clear();
          waiting_typed = false;
          waiting_bytes = true;
        }
        if (ev.isPtyOutput() && waiting_bytes) {
          // Chunks may split the line: look at what arrived since typing.
          auto b = ev.getPtyOutput().getBytes();
          since_typed.append(reinterpret_cast<const char*>(b.begin()),
                             b.size());
          // The sim writes an em dash; the echoed prompt says "--".
          if (since_typed.find("STATUS: DONE —") != std::string::npos) {
            bytes.push_back(e.logical_time());
            waiting_bytes = false;
          }
        }
        if (ev.isProtocolMessage()
            && engine::status_of(ev.getProtocolMessage())
                 == engine::protocol::status::done)
          line.push_back(e.logical_time());
      }
    auto n = std::min(
      {dispatch.size(), gate.size(), typed.size(), bytes.size(), line.size()});
    auto ms = [](uint64_t a, uint64_t b) {
      return b >= a ? static_cast<double>(b - a) / 1000.0 : 0.0;
    };
    for (size_t i = 0; i < n; ++i) {
      out.to_typed_ms.push_back(ms(dispatch[i], typed[i]));
      out.agent_ms.push_back(ms(typed[i], bytes[i]));
      out.settle_ms.push_back(ms(bytes[i], line[i]));
      out.to_decision_ms.push_back(ms(line[i], gate[i]));
    }
  }
  return out;
}

/// The raw path: agents in PTYs through the reactor only; each is typed the
/// prompt once it has drawn its prompt box, and its bytes are scanned for
/// STATUS: DONE.
struct raw_agent {
  std::mutex mu;
  std::condition_variable cv;
  std::string seen;
  size_t dones = 0;
};

run_outcome run_raw(size_t agents, size_t tasks,
                    const std::vector<std::string>& args,
                    actors::pty::reactor& reactor, const fs::path& dir) {
  fs::create_directories(dir);
  std::vector<std::unique_ptr<raw_agent>> state;
  std::vector<actors::pty::agent_id> ids;
  run_outcome out;
  auto cpu0 = cpu_seconds();
  auto start = clk::now();
  for (size_t a = 0; a < agents; ++a) {
    state.push_back(std::make_unique<raw_agent>());
    auto* st = state.back().get();
    actors::pty::spawn_options spawn;
    spawn.argv = {baton_exe, "sim"};
    spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
    spawn.working_dir = dir.string();
    actors::pty::sink s;
    auto* r = &reactor;
    s.on_output = [st, r](actors::pty::agent_id id, std::string bytes) {
      {
        std::lock_guard lock{st->mu};
        st->seen += bytes;
        size_t pos;
        while ((pos = st->seen.find("STATUS: DONE")) != std::string::npos) {
          ++st->dones;
          st->seen.erase(0, pos + 12);
        }
        if (st->seen.size() > 65536)
          st->seen.erase(0, st->seen.size() - 64);
      }
      st->cv.notify_all();
      r->consumed(id, bytes.size());
    };
    auto id = reactor.spawn(spawn, std::move(s));
    if (!id) {
      std::fprintf(stderr, "%s\n", id.err().message().c_str());
      std::exit(1);
    }
    ids.push_back(*id);
  }
  auto wait_for = [](raw_agent& st, auto pred) {
    std::unique_lock lock{st.mu};
    return st.cv.wait_for(lock, std::chrono::seconds{60},
                          [&] { return pred(st); });
  };
  std::vector<std::thread> drivers;
  std::mutex out_mu;
  for (size_t a = 0; a < agents; ++a)
    drivers.emplace_back([&, a] {
      auto& st = *state[a];
      // The prompt box is drawn: it takes input.
      wait_for(st, [](raw_agent& s) {
        return s.seen.find("? for shortcuts") != std::string::npos;
      });
      for (size_t k = 0; k < tasks; ++k) {
        {
          std::lock_guard lock{st.mu};
          st.seen.clear();
        }
        auto t0 = clk::now();
        std::string prompt = "\x1b[200~Make change a" + std::to_string(a) + "."
                             + std::to_string(k) + ".\x1b[201~\r";
        static_cast<void>(reactor.write(ids[a], prompt));
        wait_for(st, [k](raw_agent& s) { return s.dones > k; });
        double ms
          = std::chrono::duration<double, std::milli>(clk::now() - t0).count();
        {
          std::lock_guard lock{out_mu};
          out.round_trips_ms.push_back(ms);
          ++out.passed;
        }
        wait_for(st, [](raw_agent& s) {
          return s.seen.find("? for shortcuts") != std::string::npos;
        });
      }
    });
  for (auto& d : drivers)
    d.join();
  out.wall = std::chrono::duration<double>(clk::now() - start).count();
  out.cpu = cpu_seconds() - cpu0;
  for (auto id : ids)
    static_cast<void>(reactor.remove(id));
  return out;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

} // namespace

int main(int argc, char** argv) {
  size_t agents = 64;
  size_t tasks = 30;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      agents = 16;
      tasks = 10;
    } else if (std::strcmp(argv[i], "--agents") == 0 && i + 1 < argc) {
      agents = std::strtoul(argv[++i], nullptr, 10);
    } else if (std::strcmp(argv[i], "--tasks") == 0 && i + 1 < argc) {
      tasks = std::strtoul(argv[++i], nullptr, 10);
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  baton_exe = (fs::canonical("/proc/self/exe").parent_path().parent_path()
               / "cli" / "baton")
                .string();
  auto reactor = actors::pty::reactor::make();
  if (!reactor)
    return 1;
  auto dir = fs::temp_directory_path()
             / ("baton-run-bench-" + std::to_string(::getpid()));

  // 1. Round trip, one agent, no animation delays.
  std::vector<std::string> fast{"--speed", "0"};
  auto raw_rt = run_raw(1, tasks, fast, **reactor, dir / "raw1");
  auto baton_rt = run_team(make_plan(1, tasks, fast), dir / "rt", **reactor);
  std::printf("run_bench: dispatch -> DONE round trip, 1 sim agent "
              "(--speed 0), %zu tasks\n",
              tasks);
  std::printf("  raw PTY   p50 %.2f ms  p90 %.2f ms\n",
              percentile(raw_rt.round_trips_ms, 0.5),
              percentile(raw_rt.round_trips_ms, 0.9));
  std::printf("  baton     p50 %.2f ms  p90 %.2f ms  (%zu of %zu passed)\n",
              percentile(baton_rt.round_trips_ms, 0.5),
              percentile(baton_rt.round_trips_ms, 0.9), baton_rt.passed, tasks);
  std::printf("  overhead  p50 %.2f ms per round trip\n",
              percentile(baton_rt.round_trips_ms, 0.5)
                - percentile(raw_rt.round_trips_ms, 0.5));
  std::printf("  where (p50): dispatch decided -> prompt typed %.2f ms; "
              "typed -> DONE bytes read %.2f ms;\n"
              "               DONE bytes -> line reported %.2f ms (until "
              "the screen settles); reported -> gate decided %.2f ms\n",
              percentile(baton_rt.to_typed_ms, 0.5),
              percentile(baton_rt.agent_ms, 0.5),
              percentile(baton_rt.settle_ms, 0.5),
              percentile(baton_rt.to_decision_ms, 0.5));
  std::printf("  engine's own share (typed + decided): p50 %.2f ms\n",
              percentile(baton_rt.to_typed_ms, 0.5)
                + percentile(baton_rt.to_decision_ms, 0.5));

  // 2. CPU share, N agents at normal speed, one task each.
  std::vector<std::string> normal{"--seed", "7"};
  auto raw_cpu = run_raw(agents, 1, normal, **reactor, dir / "rawN");
  auto baton_cpu
    = run_team(make_plan(agents, 1, normal), dir / "cpu", **reactor);
  std::printf("run_bench: %zu sim agents, one task each (normal speed)\n",
              agents);
  std::printf("  raw PTY   %.1f %% of one core (%.2f s CPU over %.2f s)\n",
              100.0 * raw_cpu.cpu / raw_cpu.wall, raw_cpu.cpu, raw_cpu.wall);
  std::printf("  baton     %.1f %% of one core (%.2f s CPU over %.2f s), "
              "%zu of %zu passed (goal <= 25 %%)\n",
              100.0 * baton_cpu.cpu / baton_cpu.wall, baton_cpu.cpu,
              baton_cpu.wall, baton_cpu.passed, agents);
  if (!std::getenv("BENCH_DEBUG"))
    fs::remove_all(dir);
  return baton_rt.passed == tasks && baton_cpu.passed == agents ? 0 : 1;
}
