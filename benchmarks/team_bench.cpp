// The engine at scale: N workers whose terminal is an in-process stand-in
// (no PTY, no process), supervised by one orchestrator, every event
// recorded in the run's log under durability "group" (acknowledged after
// fsync; raw output relaxed, synced with the next group). Goal: >= 20 000
// tasks completed per second at 10 000 workers, and Baton's memory per
// worker.
//
//   build/benchmarks/team_bench [--quick] [--workers N] [--tasks K]
//                               [--teams T [--chain]] [--storm PCT]
//                               [--snapshot-every N]
//
// --teams T: a supervisor chain, the workers split into T teams, each with
// its lead actor, under the orchestrator (without: a flat hub, every
// worker directly under the orchestrator's own supervisor). With --chain
// (plan [run] chain): each lead runs its team (dispatch, gates,
// supervision) on its own stream; without, the leads decide only their
// members' restarts and the orchestrator runs every team.
// --storm PCT: PCT % of the workers exit on their first prompt, all at
// about once; their supervisors (the leads, or the orchestrator's own)
// restart them and their tasks are given again. Printed: from the first
// exit to the last restart decided, and to the last task re-dispatched.
// --snapshot-every N: the plan's [policy] snapshot_every (default: the
// plan's default; 0: no snapshots, and no second fold for them).
//
// Each worker gets K tasks of its own; a stand-in answers each prompt with
// a PROGRESS line and a STATUS: DONE with evidence, so each task costs the
// whole path: dispatch decision -> prompt recorded -> typed (bracketed
// paste + submit) -> output recorded -> screen, detector, protocol tracker
// -> report -> gate -> settled. Printed beside it, from the same run:
//  - the pure fold: engine::orchestrator alone, fed the same inputs
//    (dispatch, idle, DONE, gate passed) with no actors and no log — the
//    ceiling the actors and the log are measured against.
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <memory>
#include <fstream>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/standin_terminal.hpp"
#include "actors/team.hpp"
#include "engine/orchestration/chain_router.hpp"
#include "engine/orchestration/orchestrator.hpp"
#include "engine/orchestration/orchestrator_snapshot.hpp"
#include "engine/orchestration/team_lead.hpp"
#include "engine/orchestration/team_scope.hpp"
#include "engine/plan/plan_parser.hpp"
#include "engine/record_version.hpp"
#include "storage/event_log.hpp"

using namespace baton;
using clk = std::chrono::steady_clock;

namespace {

size_t rss_bytes() {
  std::ifstream in{"/proc/self/statm"};
  size_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

/// The plan's text: what the run records in runStarted, so that its log
/// replays (baton replay, replay_bench --log) like any run's.
std::string plan_text(size_t workers, size_t tasks, size_t teams,
                      bool supervised, const std::string& snapshot_every,
                      bool chain) {
  // Supervisors that restart whatever the storm stops.
  constexpr const char* lenient = "strategy = \"one_for_one\"\n"
                                  "intensity = 1000000\n"
                                  "period = \"3600s\"\n";
  std::string t = "[run]\nname = \"bench\"\n";
  if (teams > 0)
    t += "pattern = \"supervisor\"\n";
  if (chain)
    t += "chain = true\n";
  if (!snapshot_every.empty())
    t += "[policy]\nsnapshot_every = " + snapshot_every + "\n";
  if (supervised || teams > 0)
    t += std::string{"[supervision]\n"} + lenient;
  for (size_t k = 0; k < teams; ++k) {
    t += "[teams.t" + std::to_string(k) + "]\n" + lenient + "members = [";
    for (size_t w = 0; w < workers; ++w)
      if (w * teams / workers == k)
        t += "\"w" + std::to_string(w) + "\",";
    t += "]\n";
  }
  for (size_t w = 0; w < workers; ++w)
    t += "[agents.w" + std::to_string(w) + "]\ncommand = [\"standin\"]\n";
  for (size_t w = 0; w < workers; ++w)
    for (size_t k = 0; k < tasks; ++k) {
      auto id = "w" + std::to_string(w) + "." + std::to_string(k);
      t += "[[tasks]]\nid = \"" + id + "\"\nprompt = \"do " + id
           + "\"\nagent = \"w" + std::to_string(w) + "\"\n";
    }
  return t;
}

size_t heap_in_use() {
  return mallinfo2().uordblks;
}

/// The heap the leads' folds of `teams` teams hold (engine::team_lead,
/// the fold each lead actor keeps), after each member of each team has
/// exited once and been restarted (a supervisor remembers restarts within
/// its period).
size_t leads_bytes(const engine::plan& p, size_t teams) {
  auto heap_before = heap_in_use();
  std::vector<std::unique_ptr<engine::team_lead>> leads;
  uint64_t ask = 0;
  for (size_t k = 0; k < teams; ++k) {
    auto team = "t" + std::to_string(k);
    leads.push_back(std::make_unique<engine::team_lead>(
      p, team, engine::record_version));
    for (auto& member : engine::team_agents(p, team)) {
      engine::ask_lead q;
      q.ask = ++ask;
      q.team = team;
      q.member = member;
      q.exit_code = 1;
      leads.back()->on(q, ask);
    }
  }
  return heap_in_use() - heap_before;
}

/// The orchestrator's snapshot of a fold at its end: its size, and the
/// time to save it and to restore it.
struct snapshot_cost {
  size_t bytes = 0;
  double save_ms = 0;
  double restore_ms = 0;
};

/// Drives the fold `o` of plan `p` to its end with agents that finish each
/// task at once and pass every gate; the tasks settled.
size_t drive(engine::orchestrator& o, const engine::plan& p) {
  o.on(engine::run_begun{});
  std::vector<engine::orchestrator_decision> pending;
  for (auto& a : p.agents)
    for (auto& d : o.on(
           engine::agent_observed{a.name, engine::detect::state::idle, true}))
      pending.push_back(d);
  size_t settled = 0;
  while (!pending.empty()) {
    auto d = pending.back();
    pending.pop_back();
    std::vector<engine::orchestrator_decision> next;
    if (auto* x = std::get_if<engine::dispatch_task>(&d)) {
      o.on(engine::agent_observed{x->agent, engine::detect::state::working, false});
      engine::protocol_seen s;
      s.agent = x->agent;
      s.kind = engine::protocol_kind::done;
      s.text = x->task;
      s.evidence = "1 passed";
      next = o.on(s);
    } else if (auto* x = std::get_if<engine::run_gate>(&d)) {
      next = o.on(engine::gate_finished{x->task, x->attempt, true, {}, {}});
      next.push_back(engine::tell_agent{x->agent, "", "idle"});
    } else if (auto* x = std::get_if<engine::tell_agent>(&d)) {
      next = o.on(engine::agent_observed{x->agent, engine::detect::state::idle, true});
    } else if (std::holds_alternative<engine::task_settled>(d)) {
      ++settled;
    }
    for (auto& n : next)
      pending.push_back(n);
  }
  return settled;
}

/// Tasks per second through the orchestrator's fold alone; `bytes`: the
/// heap it holds at the end (its working set); `snap`: its snapshot then.
double pure_fold(const engine::plan& p, const std::string& text, size_t& bytes,
                 snapshot_cost& snap) {
  auto heap_before = heap_in_use();
  auto start = clk::now();
  engine::recorded_orchestrator r;
  r.start.plan_text = text;
  r.plan_tasks = p.tasks.size();
  r.engine = std::make_unique<engine::orchestrator>(p);
  auto settled = drive(*r.engine, p);
  double secs = std::chrono::duration<double>(clk::now() - start).count();
  bytes = heap_in_use() - heap_before;
  auto t0 = clk::now();
  auto saved = r.save();
  auto t1 = clk::now();
  auto restored = engine::recorded_orchestrator::restore(r.start, saved);
  auto t2 = clk::now();
  if (!restored || restored->save() != saved)
    std::fprintf(stderr, "the orchestrator's snapshot does not restore: %s\n",
                 restored ? "saved again, other bytes"
                          : restored.err().message().c_str());
  snap.bytes = saved.size_bytes();
  snap.save_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  snap.restore_ms = std::chrono::duration<double, std::milli>(t2 - t1).count();
  if (settled != p.tasks.size())
    std::fprintf(stderr, "pure fold settled %zu of %zu\n", settled,
                 p.tasks.size());
  return static_cast<double>(settled) / secs;
}

/// The heap a chain's scopes' folds hold at their end
/// (engine/orchestration/team_scope: what the orchestrator's and each
/// lead's folds keep in a chain's run, --chain):
/// the orchestrator's own scope's, and all the teams' together.
struct scope_heap {
  size_t own = 0;
  size_t teams = 0;
  /// The router between them (chain_router), once every scope's reports
  /// went through it.
  size_t router = 0;
};

scope_heap scopes_bytes(const engine::plan& p) {
  scope_heap out;
  auto before_router = heap_in_use();
  auto router = std::make_unique<engine::chain_router>(p);
  out.router = heap_in_use() - before_router;
  std::vector<std::unique_ptr<engine::orchestrator>> folds;
  for (auto& scope : engine::chain_scopes(p)) {
    auto before = heap_in_use();
    auto sp = engine::team_scope(p, scope);
    folds.push_back(std::make_unique<engine::orchestrator>(std::move(sp)));
    auto& o = *folds.back();
    if (drive(o, o.current_plan()) != o.board().own_size())
      std::fprintf(stderr, "scope %s did not settle its tasks\n",
                   scope.c_str());
    // Its reports through the router, as a run takes them after each
    // input (what they deliver is freed at once); then the fold's heap,
    // the reports gone.
    size_t routed = 0;
    {
      auto reports = o.take_reports();
      auto at = heap_in_use();
      uint64_t number = 0;
      for (auto& r : reports)
        if (auto routed = router->on(scope, ++number, r); !routed)
          std::fprintf(stderr, "chain router: %s\n",
                       routed.err().message().c_str());
      routed = heap_in_use() - at;
    }
    out.router += routed;
    (scope.empty() ? out.own : out.teams) += heap_in_use() - before - routed;
  }
  if (!router->finished())
    std::fprintf(stderr, "the chain router did not end the run\n");
  return out;
}

} // namespace

int main(int argc, char** argv) {
  size_t workers = 10'000;
  size_t tasks = 2;
  size_t teams = 0;
  size_t storm = 0;
  std::string snapshot_every;
  bool chain = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0)
      workers = 1'000;
    else if (std::strcmp(argv[i], "--teams") == 0 && i + 1 < argc)
      teams = std::strtoul(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--chain") == 0)
      chain = true;
    else if (std::strcmp(argv[i], "--storm") == 0 && i + 1 < argc)
      storm = std::strtoul(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
      workers = std::strtoul(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--tasks") == 0 && i + 1 < argc)
      tasks = std::strtoul(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--snapshot-every") == 0 && i + 1 < argc)
      snapshot_every = std::to_string(std::strtoul(argv[++i], nullptr, 10));
  }
  if (chain && teams == 0) {
    std::fprintf(stderr, "--chain needs --teams T\n");
    return 2;
  }
  auto text
    = plan_text(workers, tasks, teams, storm > 0, snapshot_every, chain);
  auto parsed = engine::parse_plan(text, "bench.toml");
  if (!parsed) {
    std::fprintf(stderr, "plan: %s\n", parsed.err().message().c_str());
    return 1;
  }
  auto& plan = *parsed;
  size_t fold_bytes = 0;
  snapshot_cost snap;
  auto fold_rate = pure_fold(plan, text, fold_bytes, snap);
  size_t lead_bytes = teams > 0 ? leads_bytes(plan, teams) : 0;
  auto scopes = teams > 0 ? scopes_bytes(plan) : scope_heap{};

  auto dir = std::filesystem::temp_directory_path()
             / ("baton-team-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  storage::options lopts;
  lopts.mode = storage::durability::group;
  auto log = storage::event_log::open(dir.string(), lopts);
  if (!log) {
    std::fprintf(stderr, "%s\n", log.err().to_string().c_str());
    return 1;
  }
  size_t rss_before = rss_bytes();
  size_t total_tasks = plan.tasks.size();
  double secs = 0;
  size_t rss_during = 0;
  {
    caf::actor_system_config cfg;
    actors::configure_actor_system(cfg);
    caf::actor_system sys{cfg};
    auto origin = clk::now();
    actors::team_options opts;
    opts.plan = plan;
    opts.plan_text = text;
    opts.clock = [origin] {
      return static_cast<uint64_t>(
               std::chrono::duration_cast<std::chrono::microseconds>(clk::now()
                                                                     - origin)
                 .count())
             + 1;
    };
    size_t index = 0;
    for (auto& a : plan.agents) {
      actors::team_agent t;
      t.name = a.name;
      t.pack = actors::standin_pack();
      // Each its own directory, as agents of a run have.
      t.workdir = (dir / "work" / a.name).string();
      t.core.coalesce_us = 0;
      t.core.submit_delay_us = 0;
      t.core.screen.cols = 80;
      t.core.screen.rows = 24;
      // The storm: these exit on their first prompt (once).
      bool stormed = storm > 0 && (index++ * storm) % 100 < storm;
      auto first = std::make_shared<bool>(stormed);
      t.terminal = actors::make_standin_terminal([first](std::string_view
                                                           prompt) {
        if (std::exchange(*first, false))
          return std::vector<std::string>{"@exit 1"};
        // The dispatch prompt starts "Task <id>\n"; retries are answered
        // the same way.
        auto id = prompt.substr(0, prompt.find('\n'));
        return std::vector<std::string>{"PROGRESS: 1/1 — " + std::string{id},
                                        "STATUS: DONE — " + std::string{id}
                                          + " + 1 passed"};
      });
      opts.agents.push_back(std::move(t));
    }
    auto start = clk::now();
    auto team = actors::team::start(sys, **log, std::move(opts));
    if (!team) {
      std::fprintf(stderr, "%s\n", team.err().message().c_str());
      return 1;
    }
    // Memory while every worker is alive: sampled when half the run is done
    // is not knowable from here without reading the log; sample at the end
    // of the work, before the workers quit, by waiting for the finish.
    while (!(*team)->wait(std::chrono::milliseconds{50})) {
      rss_during = std::max(rss_during, rss_bytes());
    }
    secs = std::chrono::duration<double>(clk::now() - start).count();
    rss_during = std::max(rss_during, rss_bytes());
  }
  auto events = (*log)->last_position();
  // Under a chain the teams' work is on their leads' streams.
  std::vector<storage::recorded_event> settled;
  for (auto& s : (*log)->streams())
    if (s.name == "orchestrator" || (chain && s.name.starts_with("lead/")))
      if (auto events = (*log)->read(s.name))
        for (auto& e : *events)
          settled.push_back(std::move(e));
  size_t passed = 0;
  uint64_t first_dispatch = 0, last_settled = 0;
  // The storm: the first exit, the last restart decided, the last task
  // dispatched again after its agent's exit.
  uint64_t first_exit = 0, last_restart = 0, last_redispatch = 0;
  size_t exits = 0, restarts = 0, redispatched = 0;
  std::map<std::string, int> dispatches;
  std::set<std::string> exited;
  // (The streams one after another: first and last by time.)
  auto earliest
    = [](uint64_t& at, uint64_t t) { at = at == 0 ? t : std::min(at, t); };
  for (auto& e : settled) {
    auto ev = e.event();
    auto t = e.logical_time();
    if (ev.isWorkerReported() && ev.getWorkerReported().isExited()) {
      ++exits;
      exited.insert(ev.getWorkerReported().getAgent().cStr());
      earliest(first_exit, t);
    }
    if (ev.isAgentRestarted()) {
      ++restarts;
      last_restart = std::max(last_restart, t);
    }
    if (ev.isTaskDispatched()
        && ++dispatches[ev.getTaskDispatched().getTask().cStr()] == 2) {
      ++redispatched;
      last_redispatch = std::max(last_redispatch, t);
    }
    if (ev.isTaskDispatched())
      earliest(first_dispatch, t);
    if (ev.isTaskSettled()) {
      last_settled = std::max(last_settled, t);
      if (ev.getTaskSettled().getPassed())
        ++passed;
    }
  }
  // A restart stamped by the orchestrator carries the time of the input
  // that decided it: in a flat hub the exit's own, under a chain the lead's
  // answer's. So also: when each exited agent's new process started, by its
  // worker's reading of the same clock, the same for both shapes.
  uint64_t last_running = 0;
  size_t running = 0;
  for (auto& agent : exited) {
    auto stream = (*log)->read("worker/" + agent);
    if (!stream)
      continue;
    int started = 0;
    for (auto& e : *stream)
      if (e.event().isProcessStarted() && ++started == 2) {
        ++running;
        last_running = std::max(last_running, e.logical_time());
        break;
      }
  }
  double working = static_cast<double>(last_settled - first_dispatch) / 1e6;
  log->reset();
  if (!std::getenv("BATON_BENCH_KEEP"))
    std::filesystem::remove_all(dir);
  else
    std::printf("  log kept in %s\n", dir.c_str());

  double rate = static_cast<double>(passed) / secs;
  std::printf("team_bench: %zu stand-in workers, %zu tasks each, durability "
              "group, %s\n",
              workers, tasks,
              teams > 0 ? ("a chain: " + std::to_string(teams)
                           + (chain ? " leads, each running its team, under "
                                      "the orchestrator"
                                    : " leads under the orchestrator"))
                            .c_str()
                        : "flat (every worker under the orchestrator)");
  std::printf("  tasks passed         %zu of %zu in %.2f s\n", passed,
              total_tasks, secs);
  std::printf("  events recorded      %llu (%.0f per task, %.0f ev/s)\n",
              static_cast<unsigned long long>(events),
              static_cast<double>(events) / static_cast<double>(total_tasks),
              static_cast<double>(events) / secs);
  std::printf("  baton                %.0f tasks/s (goal >= 20000)\n", rate);
  std::printf("  ... from the first dispatch to the last verdict (without "
              "starting and stopping %zu workers): %.0f tasks/s over %.2f s\n",
              workers, static_cast<double>(passed) / working, working);
  std::printf("  pure fold (ceiling)  %.0f tasks/s  -> ratio %.3f\n", fold_rate,
              rate / fold_rate);
  std::printf("  orchestrator's fold  %.1f MiB held at the end (%.0f B per "
              "worker)\n",
              static_cast<double>(fold_bytes) / 1048576.0,
              static_cast<double>(fold_bytes) / static_cast<double>(workers));
  std::printf("  its snapshot         %.1f MiB, saved in %.0f ms, restored "
              "(plan parsed included) in %.0f ms\n",
              static_cast<double>(snap.bytes) / 1048576.0, snap.save_ms,
              snap.restore_ms);
  if (teams > 0)
    std::printf("  leads' folds         %.1f KiB per lead held after every "
                "member exited once (%.0f B per member)\n",
                static_cast<double>(lead_bytes) / 1024.0
                  / static_cast<double>(teams),
                static_cast<double>(lead_bytes) / static_cast<double>(workers));
  if (teams > 0)
    std::printf("  scopes' folds        the orchestrator's own %.1f KiB; the "
                "teams' %.1f MiB (%.0f B per worker) (team_scope: each lead's "
                "board under --chain)\n",
                static_cast<double>(scopes.own) / 1024.0,
                static_cast<double>(scopes.teams) / 1048576.0,
                static_cast<double>(scopes.teams)
                  / static_cast<double>(workers));
  if (teams > 0)
    std::printf("  chain router         %.1f KiB (chain_router: between the "
                "scopes, the orchestrator's under --chain)\n",
                static_cast<double>(scopes.router) / 1024.0);
  if (storm > 0)
    std::printf("  storm                %zu exits (%zu %%): every restart "
                "decided %.1f ms after the first exit (%zu restarts), every "
                "task given again after %.1f ms (%zu tasks)\n",
                exits, storm,
                static_cast<double>(last_restart - first_exit) / 1e3,
                restarts,
                static_cast<double>(last_redispatch - first_exit) / 1e3,
                redispatched);
  if (storm > 0)
    std::printf("  ... every exited agent running again after %.1f ms (%zu "
                "of %zu: its new process started, by its worker's clock)\n",
                static_cast<double>(last_running - first_exit) / 1e3, running,
                exited.size());
  std::printf("  memory per worker    %.1f KiB (peak RSS %.1f MiB over %.1f "
              "MiB before)\n",
              static_cast<double>(rss_during - rss_before) / 1024.0
                / static_cast<double>(workers),
              static_cast<double>(rss_during) / 1048576.0,
              static_cast<double>(rss_before) / 1048576.0);
  return passed == total_tasks ? 0 : 1;
}
