// Replaying a whole run's orchestrator stream (replay::replay_orchestrator:
// decode, fold every input through engine::orchestrator, compare each
// decision byte for byte with the recorded one), beside event_log::read_all
// decoding the same log, in the same run.
//
//   build/benchmarks/replay_bench [--quick] [--tasks N] [--agents K] [--dir DIR]
//   build/benchmarks/replay_bench --log DIR
//
// The run is synthesised through storage exactly as the orchestrator actor
// records one: runStarted with the plan's text, then each input (agents
// idle / working, PROGRESS, BUILD: PASS, STATUS: DONE, the gate passed)
// recorded before the orchestrator sees it, followed by the decisions it
// made (dispatch, gate, settled, finished), all via engine::to_event.
// Default: 2 000 tasks over 50 agents (--quick: 200 over 50).
// Goal (replay issue): replay events/s >= 0.3x the read_all rate.
//
// --log DIR: a run's log as it was recorded (a supervisor chain's, kept by
// BATON_BENCH_KEEP=1 team_bench --teams 20 --storm 20): every stream
// replayed as `baton replay` does (the orchestrator's, each lead's, each
// worker's: screens and detectors included), beside read_all decoding the
// whole log. Goal (leads issue): >= 0.3x.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/orchestration/orchestrator.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/orchestration/team_scope.hpp"
#include "engine/plan/plan_parser.hpp"
#include "replay/chain_replay.hpp"
#include "replay/orchestrator_replay.hpp"
#include "replay/run_replay.hpp"
#include "storage/event_log.hpp"

namespace fs = std::filesystem;
using namespace baton;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

[[noreturn]] void fail(const std::string& what, const error& e) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), e.to_string().c_str());
  std::exit(1);
}

std::string plan_text(size_t tasks, size_t agents) {
  std::string t = "[run]\nname = \"replay-bench\"\n[policy]\nretries = 1\n";
  for (size_t a = 0; a < agents; ++a)
    t += "[agents.a" + std::to_string(a) + "]\npreset = \"sim\"\n";
  for (size_t k = 0; k < tasks; ++k)
    t += "[[tasks]]\nid = \"t" + std::to_string(k) + "\"\nprompt = \"build part "
         + std::to_string(k) + " and test it\"\nagent = \"a"
         + std::to_string(k % agents) + "\"\n";
  return t;
}

engine::protocol_seen line(const std::string& agent, engine::protocol_kind k,
                           std::string text, uint32_t done = 0,
                           uint32_t total = 0) {
  engine::protocol_seen p;
  p.agent = agent;
  p.kind = k;
  p.text = std::move(text);
  p.done = done;
  p.total = total;
  if (k == engine::protocol_kind::done)
    p.evidence = "3 passed";
  return p;
}

/// Records a run of `text`'s plan in `log`'s orchestrator stream. Returns
/// the number of events and of tasks settled.
std::pair<uint64_t, size_t> record_run(storage::event_log& log,
                                       const std::string& text) {
  auto plan = engine::parse_plan(text, "replay-bench.toml");
  if (!plan)
    fail("plan", plan.err());
  engine::orchestrator o{*plan};
  uint64_t now = 0, n = 0;
  size_t settled = 0;
  std::vector<storage::new_event> batch;
  auto record = [&](frame f) {
    storage::new_event e;
    e.id = event_id::from_parts(7, ++n);
    e.logical_time = now;
    e.payload = std::move(f);
    batch.push_back(std::move(e));
  };
  std::deque<engine::orchestrator_decision> pending;
  auto input = [&](const engine::orchestrator_input& in) {
    now += 1000;
    record(engine::to_event(in));
    for (auto& d : o.on(in, now)) {
      record(engine::to_event(d, o.version()));
      pending.push_back(d);
    }
  };
  input(engine::run_begun{"replay-bench.toml",
                          text,
                          "hub",
                          false,
                          {},
                          {},
                          false,
                          engine::record_version});
  for (auto& a : plan->agents)
    input(engine::agent_observed{a.name, engine::detect::state::idle, true});
  while (!pending.empty()) {
    auto d = pending.front();
    pending.pop_front();
    if (auto* x = std::get_if<engine::dispatch_task>(&d)) {
      input(engine::agent_observed{x->agent, engine::detect::state::working, false});
      input(line(x->agent, engine::protocol_kind::progress, "store", 1, 2));
      input(line(x->agent, engine::protocol_kind::build_pass, "BUILD: PASS"));
      input(line(x->agent, engine::protocol_kind::progress, "api", 2, 2));
      input(line(x->agent, engine::protocol_kind::done, x->task));
    } else if (auto* x = std::get_if<engine::run_gate>(&d)) {
      input(engine::gate_finished{x->task, x->attempt, true, {}, {}});
      input(engine::agent_observed{x->agent, engine::detect::state::idle, true});
    } else if (std::holds_alternative<engine::task_settled>(d)) {
      ++settled;
    }
    if (batch.size() >= 1000) {
      if (auto r = log.append("orchestrator", storage::expected_version::any(),
                              batch);
          !r)
        fail("append", r.err());
      batch.clear();
    }
  }
  if (!batch.empty())
    if (auto r = log.append("orchestrator", storage::expected_version::any(),
                            batch);
        !r)
      fail("append", r.err());
  return {n, settled};
}

} // namespace

/// Every stream of the log in `dir`, replayed, beside read_all; best of 3.
int replay_log(const std::string& dir) {
  storage::options ro;
  ro.read_only = true;
  ro.create_if_missing = false;
  auto log = storage::event_log::open(dir, ro);
  if (!log)
    fail("open " + dir, log.err());
  uint64_t events = (*log)->last_position();
  double raw_best = 1e30, replay_best = 1e30;
  std::vector<replay::stream_report> reports;
  for (int r = 0; r < 3; ++r) {
    auto start = clock_type::now();
    uint64_t kinds = 0;
    auto n = (*log)->read_all(1, UINT64_MAX, [&](storage::recorded_event&& e) {
      kinds += static_cast<uint64_t>(e.event().which());
      return true;
    });
    raw_best = std::min(raw_best, seconds_since(start));
    if (!n || *n != events)
      fail("read_all", n ? error{ec::corruption, "short read"} : n.err());
    start = clock_type::now();
    auto rep = replay::replay_run(**log, replay::run_replay_options{});
    replay_best = std::min(replay_best, seconds_since(start));
    if (!rep)
      fail("replay", rep.err());
    reports = std::move(*rep);
  }
  uint64_t replayed = 0;
  size_t leads = 0, workers = 0;
  for (auto& r : reports) {
    if (r.report.first_divergence) {
      std::fprintf(stderr, "replay: %s diverges: %s\n", r.stream.c_str(),
                   r.report.first_divergence->expected.c_str());
      return 1;
    }
    replayed += r.report.inputs + r.report.decisions;
    leads += r.stream.starts_with("lead/");
    workers += r.stream.starts_with("worker/");
  }
  std::printf("replay_bench --log: %lu events; %zu streams replayed "
              "identically (the orchestrator's, %zu leads', %zu workers'), "
              "%lu of their events inputs or derived\n",
              static_cast<unsigned long>(events), reports.size(), leads,
              workers, static_cast<unsigned long>(replayed));
  auto replay_rate = events / replay_best;
  auto raw_rate = events / raw_best;
  std::printf("  replay, all streams %10.0f ev/s | read_all decode %10.0f "
              "ev/s | ratio %5.2fx  (goal >= 0.3x)\n",
              replay_rate, raw_rate, replay_rate / raw_rate);
  std::printf("  ... replay %.1f ms; read_all %.1f ms (best of 3 each)\n",
              replay_best * 1e3, raw_best * 1e3);
  // What `baton resume` folds before it starts anything: the
  // orchestrator's streams from their first event, and from its latest
  // snapshot (when the run saved one).
  double whole_best = 1e30, snap_best = 1e30;
  replay::rebuild_stats whole_stats, snap_stats;
  if (auto chain = replay::recorded_chain(**log); chain && *chain) {
    // A chain's: the orchestrator above the leads and each lead, each from
    // its own stream, from the first event and from its latest snapshot.
    auto plan = replay::recorded_plan(**log);
    if (!plan)
      fail("rebuild", plan.err());
    size_t leads = 0, from_snapshots = 0;
    uint64_t folded[2] = {0, 0};
    double best[2] = {1e30, 1e30};
    for (int r = 0; r < 3; ++r)
      for (int snaps = 0; snaps < 2; ++snaps) {
        auto start = clock_type::now();
        replay::rebuild_stats stats;
        auto top = replay::rebuild_chain_orchestrator(**log, snaps == 1, &stats,
                                                      *plan);
        if (!top)
          fail("rebuild", top.err());
        leads = 0;
        from_snapshots = stats.snapshot > 0 ? 1 : 0;
        folded[snaps] = stats.events;
        for (auto& team : engine::chain_scopes(**plan))
          if (!team.empty()) {
            replay::rebuild_stats lead_stats;
            auto lead = replay::rebuild_chain_scope(**log, team, snaps == 1,
                                                    &lead_stats, *plan);
            if (!lead)
              fail("rebuild", lead.err());
            ++leads;
            from_snapshots += lead_stats.snapshot > 0 ? 1 : 0;
            folded[snaps] += lead_stats.events;
          }
        best[snaps] = std::min(best[snaps], seconds_since(start));
      }
    std::printf("  resume's rebuild of the chain: the orchestrator and %zu "
                "leads, each from its stream's first event, %.1f ms (%llu "
                "events replayed)\n",
                leads, best[0] * 1e3,
                static_cast<unsigned long long>(folded[0]));
    std::printf("  ... from their latest snapshots (%zu of %zu nodes had "
                "one), %.1f ms (%llu events replayed after them)\n",
                from_snapshots, leads + 1, best[1] * 1e3,
                static_cast<unsigned long long>(folded[1]));
    return 0;
  }
  for (int r = 0; r < 3; ++r) {
    auto start = clock_type::now();
    auto whole = replay::rebuild_orchestrator(**log, false, &whole_stats);
    whole_best = std::min(whole_best, seconds_since(start));
    start = clock_type::now();
    auto fast = replay::rebuild_orchestrator(**log, true, &snap_stats);
    snap_best = std::min(snap_best, seconds_since(start));
    if (!whole || !fast)
      fail("rebuild", whole ? fast.err() : whole.err());
    if (whole->save() != fast->save()) {
      std::fprintf(stderr, "rebuild: from the snapshot, another fold\n");
      return 1;
    }
  }
  std::printf("  resume's rebuild of the orchestrator: from the first event "
              "%.1f ms (%lu events); from its snapshot at orchestrator@%lu "
              "%.1f ms (%lu events)%s%s\n",
              whole_best * 1e3, static_cast<unsigned long>(whole_stats.events),
              static_cast<unsigned long>(snap_stats.snapshot), snap_best * 1e3,
              static_cast<unsigned long>(snap_stats.events),
              snap_stats.passed_over.empty() ? "" : "; passed over: ",
              snap_stats.passed_over.c_str());
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--log") == 0)
    return replay_log(argv[2]);
  size_t tasks = 2000, agents = 50;
  std::string dir;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick")
      quick = true, tasks = 200;
    else if (a == "--tasks" && i + 1 < argc)
      tasks = std::strtoul(argv[++i], nullptr, 10);
    else if (a == "--agents" && i + 1 < argc)
      agents = std::strtoul(argv[++i], nullptr, 10);
    else if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: %s [--quick] [--tasks N] [--agents K] [--dir DIR]\n",
                   argv[0]);
      return 2;
    }
  }
  bool own_dir = dir.empty();
  if (own_dir)
    dir = (fs::temp_directory_path() / "baton-bench-replay").string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto log_dir = dir + "/log";
  uint64_t events = 0;
  size_t settled = 0;
  double record_s = 0;
  {
    storage::options opts;
    opts.mode = storage::durability::async;
    auto log = storage::event_log::open(log_dir, opts);
    if (!log)
      fail("open " + log_dir, log.err());
    auto start = clock_type::now();
    std::tie(events, settled) = record_run(**log, plan_text(tasks, agents));
    record_s = seconds_since(start);
  }
  std::printf("replay_bench%s: %zu tasks over %zu agents, %zu settled; "
              "orchestrator stream of %lu events (recorded in %.2f s)\n",
              quick ? " --quick" : "", tasks, agents, settled,
              static_cast<unsigned long>(events), record_s);
  storage::options ro;
  ro.read_only = true;
  ro.create_if_missing = false;
  auto log = storage::event_log::open(log_dir, ro);
  if (!log)
    fail("open " + log_dir, log.err());
  // Best of 9 for each, alternating, so neither gets a warmer cache (the
  // stream is small: a single pass is at the mercy of a busy machine).
  double raw_best = 1e30, replay_best = 1e30;
  replay::replay_report report;
  for (int r = 0; r < 9; ++r) {
    auto start = clock_type::now();
    uint64_t kinds = 0;
    auto n = (*log)->read_all(1, UINT64_MAX, [&](storage::recorded_event&& e) {
      kinds += static_cast<uint64_t>(e.event().which());
      return true;
    });
    raw_best = std::min(raw_best, seconds_since(start));
    if (!n || *n != events || kinds == 0)
      fail("read_all", n ? error{ec::corruption, "short read"} : n.err());
    start = clock_type::now();
    auto rep = replay::replay_orchestrator(**log);
    replay_best = std::min(replay_best, seconds_since(start));
    if (!rep)
      fail("replay", rep.err());
    report = *rep;
  }
  if (report.first_divergence || report.inputs + report.decisions != events) {
    std::fprintf(stderr, "replay: %s (%lu inputs, %lu decisions)\n",
                 report.first_divergence
                   ? report.first_divergence->expected.c_str()
                   : "counts differ",
                 static_cast<unsigned long>(report.inputs),
                 static_cast<unsigned long>(report.decisions));
    return 1;
  }
  auto replay_rate = events / replay_best;
  auto raw_rate = events / raw_best;
  std::printf("  replay (decode + fold + compare) %10.0f ev/s | read_all "
              "decode %10.0f ev/s | ratio %5.2fx  (goal >= 0.3x)\n",
              replay_rate, raw_rate, replay_rate / raw_rate);
  std::printf("  ... %lu inputs and %lu decisions replayed identically in "
              "%.1f ms; read_all %.1f ms\n",
              static_cast<unsigned long>(report.inputs),
              static_cast<unsigned long>(report.decisions), replay_best * 1e3,
              raw_best * 1e3);
  if (own_dir)
    fs::remove_all(dir);
  return 0;
}
