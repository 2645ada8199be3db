// Agents on another machine, measured against the same agents here.
//
//   build/benchmarks/host_bench [--quick] [--workers N] [--tasks K] [--lines L]
//
// One process, two actor systems joined by CAF's network layer over
// loopback with mutual TLS (certificates from `baton host init-certs`): a
// host's door (actors/remote/host_door.hpp) running N workers, and an engine
// whose team has those N workers on that host. Each worker is an in-process
// stand-in (no PTY) that answers each of its K tasks with L output lines, a
// PROGRESS and a STATUS: DONE, so every task records and ships a dozen or
// more events: spooled on the host, shipped, appended to the run's log
// (durability group), acknowledged. The baseline, in the same run: the same
// team with the same stand-ins as local workers appending to the run's log
// directly.
//
// Printed:
//  - tasks/s and events/s end to end, remote beside local (the ratio);
//  - shipment acknowledgement latency p50/p99 (the door's request -> the
//    engine's answer once durable) and events per shipment;
//  - detection latency: a protocol line recorded in the worker's stream ->
//    the orchestrator recording the report of it (for a remote worker, after
//    its events are durable in the run's log), p50/p99, remote and local.
//    The host's clock follows the engine's as its commands carry it (never
//    ahead of it): a remote figure may be low by a command's one-way
//    transit on loopback (microseconds).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include "actors/remote/host_door.hpp"
#include "actors/remote/net.hpp"
#include "actors/standin_terminal.hpp"
#include "actors/team.hpp"
#include "engine/plan/plan_parser.hpp"
#include "storage/event_log.hpp"

using namespace baton;
using clk = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

struct params {
  size_t workers = 8;
  size_t tasks = 150;
  size_t lines = 10;
};

/// The plan as the text a run records (its runStarted), so that the
/// benchmark's logs replay like any run's.
std::string plan_text(const params& p, bool remote) {
  std::string t = "[run]\nname = \"bench\"\n";
  if (remote)
    t += "[hosts.h]\n";
  for (size_t w = 0; w < p.workers; ++w) {
    t += "[agents.w" + std::to_string(w) + "]\ncommand = [\"standin\"]\n";
    if (remote)
      t += "host = \"h\"\n";
  }
  for (size_t w = 0; w < p.workers; ++w)
    for (size_t k = 0; k < p.tasks; ++k) {
      auto id = "w" + std::to_string(w) + "." + std::to_string(k);
      t += "[[tasks]]\nid = \"" + id + "\"\nagent = \"w"
           + std::to_string(w) + "\"\nprompt = \"do " + id + "\"\n";
    }
  return t;
}

/// The stand-in every worker runs, here or on the host.
actors::team_agent standin(const std::string& name, const fs::path& work,
                           size_t lines) {
  actors::team_agent t;
  t.name = name;
  t.pack = actors::standin_pack();
  t.workdir = work.string();
  t.core.coalesce_us = 0;
  t.core.submit_delay_us = 0;
  t.core.screen.cols = 80;
  t.core.screen.rows = 24;
  t.terminal = actors::make_standin_terminal([lines](std::string_view prompt) {
    auto id = std::string{prompt.substr(0, prompt.find('\n'))};
    std::vector<std::string> out;
    for (size_t i = 0; i < lines; ++i)
      out.push_back("compiling " + id + " unit " + std::to_string(i));
    out.push_back("PROGRESS: 1/1 — " + id);
    out.push_back("STATUS: DONE — " + id + " + 1 passed");
    return out;
  });
  return t;
}

struct outcome {
  double secs = 0;
  size_t passed = 0;
  uint64_t events = 0;
  std::vector<double> detect_ms;
};

double pct(std::vector<double> v, double q) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
}

/// Protocol lines recorded in worker streams -> the orchestrator's record
/// of their reports.
std::vector<double> detection(storage::event_log& log) {
  std::map<std::string, uint64_t> recorded; // agent + line -> logical time
  std::vector<double> out;
  for (auto& s : log.streams()) {
    if (!s.name.starts_with("worker/"))
      continue;
    auto agent = s.name.substr(7);
    static_cast<void>(log.read(s.name, 1, UINT64_MAX, UINT64_MAX,
                               [&](storage::recorded_event&& e) {
                                 if (e.event().isProtocolMessage())
                                   recorded[agent + "\n"
                                            + e.event()
                                                .getProtocolMessage()
                                                .getLine()
                                                .cStr()]
                                     = e.logical_time();
                                 return true;
                               }));
  }
  static_cast<void>(log.read(
    "orchestrator", 1, UINT64_MAX, UINT64_MAX, [&](storage::recorded_event&& e) {
      if (!e.event().isWorkerReported())
        return true;
      auto r = e.event().getWorkerReported();
      if (!r.isProtocol())
        return true;
      auto key = std::string{r.getAgent().cStr()} + "\n"
                 + r.getProtocol().getLine().cStr();
      if (auto i = recorded.find(key);
          i != recorded.end() && e.logical_time() >= i->second)
        out.push_back(static_cast<double>(e.logical_time() - i->second) / 1e3);
      return true;
    }));
  return out;
}

outcome run_team(const params& p, const fs::path& dir, bool remote,
                 const fs::path& certs, std::vector<double>& acks,
                 std::vector<size_t>& per_shipment) {
  outcome o;
  fs::remove_all(dir);
  fs::create_directories(dir / "work");
  storage::options lopts;
  lopts.mode = storage::durability::group;
  auto log = storage::event_log::open((dir / "log").string(), lopts);
  if (!log) {
    std::fprintf(stderr, "%s\n", log.err().message().c_str());
    std::exit(1);
  }
  auto text = plan_text(p, remote);
  auto parsed = engine::parse_plan(text, "bench.toml");
  if (!parsed) {
    std::fprintf(stderr, "the benchmark's plan: %s\n",
                 parsed.err().message().c_str());
    std::exit(1);
  }
  auto& plan = *parsed;
  {
    // The host: its own actor system with its certificates.
    caf::actor_system_config hcfg;
    actors::configure_actor_system(hcfg);
    hcfg.set("logger.console", caf::atom("none"));
    caf::actor_system_config ecfg;
    actors::configure_actor_system(ecfg);
    ecfg.set("logger.console", caf::atom("none"));
    if (remote) {
      if (!actors::remote::configure_net(hcfg, (certs / "h").string())
          || !actors::remote::configure_net(ecfg, (certs / "engine").string())) {
        std::fprintf(stderr, "cannot configure TLS\n");
        std::exit(1);
      }
    }
    caf::actor_system hsys{hcfg};
    caf::actor_system esys{ecfg};
    caf::actor_system_config scfg;
    actors::configure_actor_system(scfg);
    caf::actor_system sys{scfg};
    std::mutex mu;
    actors::remote::host_door door;
    actors::team_options opts;
    if (remote) {
      auto dopts = std::make_shared<actors::remote::door_options>();
      dopts->spool_dir = (dir / "spool").string();
      dopts->version = "bench";
      dopts->make_agent = [&](const actors::remote::host_hello&,
                              const std::string& agent) {
        return result<actors::team_agent>{standin(agent, dir / "work", p.lines)};
      };
      dopts->log = [](const std::string& line) {
        std::fprintf(stderr, "host: %s\n", line.c_str());
      };
      dopts->on_ack = [&](size_t events, std::chrono::nanoseconds d) {
        std::lock_guard lock{mu};
        acks.push_back(std::chrono::duration<double, std::milli>(d).count());
        per_shipment.push_back(events);
      };
      door = hsys.spawn<caf::detached>(actors::remote::host_door_impl, dopts);
      auto port = actors::remote::publish_door(door, "127.0.0.1:0");
      if (!port) {
        std::fprintf(stderr, "%s\n", port.err().message().c_str());
        std::exit(1);
      }
      auto address = "127.0.0.1:" + std::to_string(*port);
      auto connected = actors::remote::connect_door(esys, address);
      if (!connected) {
        std::fprintf(stderr, "%s\n", connected.err().message().c_str());
        std::exit(1);
      }
      actors::team_host th;
      th.name = "h";
      th.address = address;
      th.net = &esys;
      th.door = *connected;
      th.connect = [&esys, address] {
        return actors::remote::connect_door(esys, address);
      };
      th.hello.run = "bench:" + dir.string();
      th.hello.host = "h";
      th.hello.plan_text = text;
      opts.hosts.push_back(std::move(th));
    }
    auto origin = clk::now();
    opts.plan = plan;
    opts.plan_text = text;
    opts.clock = [origin] {
      return static_cast<uint64_t>(
               std::chrono::duration_cast<std::chrono::microseconds>(clk::now()
                                                                     - origin)
                 .count())
             + 1;
    };
    for (auto& a : plan.agents) {
      if (remote) {
        actors::team_agent t;
        t.name = a.name;
        t.host = "h";
        t.workdir = (dir / "work").string();
        opts.agents.push_back(std::move(t));
      } else {
        opts.agents.push_back(standin(a.name, dir / "work", p.lines));
      }
    }
    auto start = clk::now();
    auto team = actors::team::start(sys, **log, std::move(opts));
    if (!team) {
      std::fprintf(stderr, "%s\n", team.err().message().c_str());
      std::exit(1);
    }
    while (!(*team)->wait(std::chrono::milliseconds{50})) {
    }
    o.secs = std::chrono::duration<double>(clk::now() - start).count();
    team->reset();
    if (door)
      caf::anon_send_exit(door, caf::exit_reason::user_shutdown);
  }
  o.events = (*log)->last_position();
  if (auto settled = (*log)->read("orchestrator"))
    for (auto& e : *settled)
      if (e.event().isTaskSettled() && e.event().getTaskSettled().getPassed())
        ++o.passed;
  o.detect_ms = detection(**log);
  return o;
}

} // namespace

int main(int argc, char** argv) {
  params p;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick")
      p.tasks = 20;
    else if (a == "--workers" && i + 1 < argc)
      p.workers = std::strtoul(argv[++i], nullptr, 10);
    else if (a == "--tasks" && i + 1 < argc)
      p.tasks = std::strtoul(argv[++i], nullptr, 10);
    else if (a == "--lines" && i + 1 < argc)
      p.lines = std::strtoul(argv[++i], nullptr, 10);
    else {
      std::fprintf(stderr,
                   "usage: host_bench [--quick] [--workers N] [--tasks K] "
                   "[--lines L]\n");
      return 2;
    }
  }
  auto base = fs::temp_directory_path()
              / ("baton-host-bench-" + std::to_string(::getpid()));
  fs::create_directories(base);
  auto certs = base / "certs";
  auto cmd = std::string{BATON_BINARY} + " host init-certs " + certs.string()
             + " --host h > /dev/null";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "host_bench: baton host init-certs failed\n");
    return 1;
  }
  std::vector<double> acks, no_acks;
  std::vector<size_t> per, no_per;
  auto local = run_team(p, base / "local", false, certs, no_acks, no_per);
  auto remote = run_team(p, base / "remote", true, certs, acks, per);
  fs::remove_all(base);
  size_t tasks = p.workers * p.tasks;
  auto rate = [](double n, double s) { return s > 0 ? n / s : 0; };
  std::printf("agents on another machine: %zu stand-in workers x %zu tasks, "
              "%zu output lines each, durability group, loopback TLS\n",
              p.workers, p.tasks, p.lines);
  std::printf("  %-34s %10s %12s %12s %8s\n", "", "tasks/s", "events/s",
              "events", "passed");
  std::printf("  %-34s %10.0f %12.0f %12llu %8zu\n",
              "local workers (baseline)", rate(tasks, local.secs),
              rate(static_cast<double>(local.events), local.secs),
              static_cast<unsigned long long>(local.events), local.passed);
  std::printf("  %-34s %10.0f %12.0f %12llu %8zu\n",
              "workers on a host, shipped", rate(tasks, remote.secs),
              rate(static_cast<double>(remote.events), remote.secs),
              static_cast<unsigned long long>(remote.events), remote.passed);
  std::printf("  remote / local throughput: %.2f\n",
              local.secs > 0 ? local.secs / remote.secs : 0);
  double mean_per = 0;
  for (auto n : per)
    mean_per += static_cast<double>(n);
  mean_per = per.empty() ? 0 : mean_per / static_cast<double>(per.size());
  std::printf("  shipment acknowledged (door -> durable -> answer): p50 %.2f "
              "ms, p99 %.2f ms over %zu shipments (%.1f events each)\n",
              pct(acks, 0.5), pct(acks, 0.99), acks.size(), mean_per);
  std::printf("  detection (line recorded -> its report recorded by the "
              "orchestrator):\n    local p50 %.2f ms, p99 %.2f ms (%zu)\n    "
              "remote p50 %.2f ms, p99 %.2f ms (%zu)\n",
              pct(local.detect_ms, 0.5), pct(local.detect_ms, 0.99),
              local.detect_ms.size(), pct(remote.detect_ms, 0.5),
              pct(remote.detect_ms, 0.99), remote.detect_ms.size());
  if (local.passed != tasks || remote.passed != tasks) {
    std::fprintf(stderr, "host_bench: not every task passed\n");
    return 1;
  }
  return 0;
}
