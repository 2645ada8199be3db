// The composition of a run (DESIGN.md §1): the plan loaded and checked, the
// workspace and each agent's directory prepared, the log opened, the actors
// started over the PTY reactor — for a new run, or for one continued from
// its log (resume).
#include "baton/runtime.hpp"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "actors/team.hpp"
#include "api/agent_setup.hpp"
#include "api/control_server.hpp"
#include "api/detail/run_impl.hpp"
#include "api/plan_loader.hpp"
#include "engine/checkpoint/checkpoint.hpp"
#include "engine/orchestration/team_scope.hpp"
#include "engine/plan/plan_check.hpp"
#include "engine/plan/plan_parser.hpp"
#include "engine/plan/plan_secrets.hpp"
#include "replay/chain_replay.hpp"
#include "replay/checkpoint_rebuild.hpp"
#include "replay/lead_replay.hpp"
#include "replay/orchestrator_replay.hpp"

namespace fs = std::filesystem;

namespace baton {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (auto& l : lines)
    out += (out.empty() ? "" : "\n") + l;
  return out;
}

/// The run's logical clock: microseconds since it began (from 1); a resumed
/// run's goes on from `offset`, where its log stops.
actors::logical_clock make_clock(uint64_t offset) {
  auto origin = std::chrono::steady_clock::now();
  return [origin, offset] {
    return static_cast<uint64_t>(
             std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now() - origin)
               .count())
           + offset + 1;
  };
}

/// Ends what is left of an agent's process from before the engine stopped:
/// the last process its stream started and never saw exit, when it still
/// runs the recorded program (its process group: Baton made it a session
/// leader). The pid may have been reused since: only the recorded program
/// is ended.
void end_leftover(const storage::event_log& log, const std::string& agent) {
  int32_t pid = 0;
  std::string program;
  auto n = log.read("worker/" + agent, 1, UINT64_MAX, UINT64_MAX,
                    [&](storage::recorded_event&& e) {
                      auto ev = e.event();
                      if (ev.isProcessStarted()) {
                        pid = ev.getProcessStarted().getPid();
                        auto argv = ev.getProcessStarted().getArgv();
                        program = argv.size() > 0 ? argv[0].cStr() : "";
                      } else if (ev.isProcessExited()) {
                        pid = 0;
                      }
                      return true;
                    });
  if (!n || pid <= 0 || program.empty())
    return;
  auto cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  auto first = cmdline.substr(0, cmdline.find('\0'));
  if (first.empty()
      || fs::path{first}.filename() != fs::path{program}.filename())
    return;
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
}

} // namespace

runtime::runtime(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

runtime::~runtime() = default;

result<std::unique_ptr<runtime>> runtime::open(const runtime_options& opts) {
  auto p = std::make_unique<impl>();
  actors::configure_actor_system(p->cfg);
  // Baton reports problems itself.
  p->cfg.set("logger.console", caf::atom("none"));
  if (opts.threads > 0)
    p->cfg.set("scheduler.max-threads", opts.threads);
  p->sys = std::make_unique<caf::actor_system>(p->cfg);
  auto reactor = actors::pty::reactor::make();
  if (!reactor)
    return reactor.err();
  p->reactor = std::move(*reactor);
  return std::unique_ptr<runtime>{new runtime{std::move(p)}};
}

namespace {

/// Starts the team over `log` and wraps it in a run.
result<std::unique_ptr<run::impl>>
launch(caf::actor_system& sys, std::shared_ptr<storage::event_log> log,
       std::string log_dir, actors::team_options topts, uint64_t resumed_at,
       api::connected_hosts hosts) {
  uint64_t offset = 0;
  if (resumed_at > 0)
    if (auto last = log->read_all(resumed_at, 1); last.ok() && !last->empty())
      offset = last->front().logical_time();
  auto p = std::make_unique<run::impl>();
  p->clock = make_clock(offset);
  topts.clock = p->clock;
  // A lead whose actor died starts again from its stream.
  topts.rebuild_lead = [weak = std::weak_ptr<storage::event_log>{log}](
                         const std::string& team)
    -> result<engine::lead_seed> {
    auto l = weak.lock();
    if (!l)
      return error{ec::invalid_argument, "the run's log is closed"};
    replay::rebuild_stats stats;
    auto seed = replay::rebuild_lead(*l, team, true, &stats);
    if (seed && !stats.passed_over.empty())
      std::fprintf(stderr,
                   "baton: the lead of team %s: %s; its stream was folded "
                   "from the first record\n",
                   team.c_str(), stats.passed_over.c_str());
    return seed;
  };
  // A chain's lead whose actor died starts again from its stream.
  // (The recorded plan is parsed at the first, and kept for the next;
  // leads that die together are started again on helper threads.)
  struct parsed_once {
    std::mutex mu;
    std::shared_ptr<const engine::plan> plan;
  };
  topts.rebuild_scope
    = [weak = std::weak_ptr<storage::event_log>{log},
       whole = std::make_shared<parsed_once>()](
        const std::string& team) -> result<engine::scope_seed> {
    auto l = weak.lock();
    if (!l)
      return error{ec::invalid_argument, "the run's log is closed"};
    std::shared_ptr<const engine::plan> plan;
    {
      std::lock_guard lock{whole->mu};
      if (!whole->plan) {
        auto parsed = replay::recorded_plan(*l);
        if (!parsed)
          return parsed.err();
        whole->plan = std::move(*parsed);
      }
      plan = whole->plan;
    }
    replay::rebuild_stats stats;
    auto seed = replay::rebuild_chain_scope(*l, team, true, &stats, plan);
    if (seed && !stats.passed_over.empty())
      std::fprintf(stderr,
                   "baton: the lead of team %s: %s; its stream was replayed "
                   "from the first record\n",
                   team.c_str(), stats.passed_over.c_str());
    return seed;
  };
  topts.hosts = std::move(hosts.hosts);
  p->nets = std::move(hosts.nets);
  p->log = log;
  auto team = actors::team::start(sys, *log, std::move(topts));
  if (!team)
    return team.err();
  p->team = std::move(*team);
  p->live->team = p->team.get();
  p->log = std::move(log);
  p->log_dir = std::move(log_dir);
  p->resumed_at = resumed_at;
  return p;
}

} // namespace

result<std::unique_ptr<run>> runtime::start(const run_options& opts) {
  if (opts.plan_path.empty() == opts.plan_text.empty())
    return error{ec::invalid_argument,
                 "a run needs its plan: a file (plan_path) or a text "
                 "(plan_text), one of them"};
  api::loaded_plan loaded;
  std::string text;
  std::string source;
  fs::path base;
  if (!opts.plan_path.empty()) {
    if (!fs::is_regular_file(opts.plan_path))
      return error{ec::not_found, "cannot read plan file " + opts.plan_path};
    text = read_file(opts.plan_path);
    source = opts.plan_path;
    base = fs::absolute(opts.plan_path).parent_path();
  } else {
    text = opts.plan_text;
    source = "the plan";
    base = fs::absolute(opts.base_dir.empty() ? "." : opts.base_dir);
  }
  if (!opts.goal.empty()) {
    auto goaled = api::with_goal(text, opts.goal, opts.orchestrator);
    if (!goaled)
      return error{ec::invalid_argument, source + ":"
                                           + goaled.err().message()};
    text = std::move(*goaled);
  }
  loaded = api::load_plan_text(text, source);
  if (!loaded.problems.empty())
    return error{ec::invalid_argument,
                 join_lines(loaded.problems) + "\n" + source + " is not valid ("
                   + std::to_string(loaded.problems.size()) + " problem"
                   + (loaded.problems.size() == 1 ? "" : "s")
                   + "); nothing was started"};
  auto& plan = loaded.plan;
  auto workspace = opts.workspace.empty()
                     ? (base / plan.run.workspace).lexically_normal()
                     : fs::absolute(opts.workspace).lexically_normal();
  auto db = opts.log_dir.empty() ? (base / plan.run.log).lexically_normal()
                                 : fs::absolute(opts.log_dir);

  storage::options lopts;
  auto mode = storage::parse_durability(plan.run.durability);
  if (!mode)
    return mode.err();
  lopts.mode = *mode;
  std::error_code fec;
  if (fs::exists(db, fec) && !fs::is_empty(db, fec)) {
    if (!opts.replace)
      return error{ec::invalid_argument,
                   db.string()
                     + " already holds a run; pass another log directory, "
                       "or replace it (--replace) to delete it first"};
    // Only a Baton log is deleted: opening it proves what it is.
    {
      storage::options probe;
      probe.create_if_missing = false;
      probe.read_only = true;
      if (auto old = storage::event_log::open(db.string(), probe); !old)
        return error{ec::invalid_argument,
                     "--replace: " + db.string() + " is not a Baton log ("
                       + old.err().message() + "); nothing was deleted"};
    }
    fs::remove_all(db, fec);
  }
  // Every host is reached before anything is written.
  auto hosts = api::connect_hosts(plan, {text, base, workspace, db, {}});
  if (!hosts)
    return hosts.err();
  fs::create_directories(workspace, fec);
  auto log = storage::event_log::open(db.string(), lopts);
  if (!log)
    return log.err();
  auto agents = api::setup_agents(plan, workspace, db, *impl_->reactor);
  if (!agents)
    return agents.err();

  actors::team_options topts;
  topts.plan = plan;
  topts.plan_path = source;
  topts.plan_text = engine::redact_plan_secrets(text);
  topts.workspace = workspace.string();
  topts.agents = std::move(*agents);
  topts.stop_grace = opts.stop_grace;
  auto title = plan.run.name + " (" + source + "), "
               + std::to_string(plan.agents.size()) + " agents, "
               + std::to_string(plan.tasks.size()) + " tasks; log "
               + db.string();
  auto p = launch(*impl_->sys, std::shared_ptr<storage::event_log>{std::move(*log)},
                  db.string(), std::move(topts), 0, std::move(*hosts));
  if (!p)
    return p.err();
  (*p)->title = std::move(title);
  std::unique_ptr<run> r{new run{std::move(*p)}};
  if (opts.control_socket)
    if (auto s = r->serve(); !s)
      return s.err();
  return r;
}

result<std::unique_ptr<run>> runtime::resume(const resume_options& opts) {
  if (opts.log_dir.empty())
    return error{ec::invalid_argument, "resume needs the run's log directory"};
  storage::options lopts;
  lopts.create_if_missing = false;
  auto opened = storage::event_log::open(opts.log_dir, lopts);
  if (!opened)
    return opened.err();
  std::shared_ptr<storage::event_log> log{std::move(*opened)};
  auto chain = replay::recorded_chain(*log);
  if (!chain)
    return error{chain.err().code(),
                 opts.log_dir + ": " + chain.err().message()};
  // A supervisor chain: the orchestrator above the leads, and each lead,
  // from its own stream; otherwise the orchestrator's one fold.
  std::optional<engine::recorded_orchestrator> recorded;
  std::unique_ptr<engine::top_seed> top;
  // The recorded plan, parsed once for every node of a chain.
  std::shared_ptr<const engine::plan> recorded_plan;
  engine::run_begun start;
  if (*chain) {
    auto parsed = replay::recorded_plan(*log);
    if (!parsed)
      return error{parsed.err().code(), "cannot resume " + opts.log_dir + ": "
                                          + parsed.err().message()};
    recorded_plan = std::move(*parsed);
    replay::rebuild_stats rebuilt_from;
    auto rebuilt = replay::rebuild_chain_orchestrator(*log, true, &rebuilt_from,
                                                      recorded_plan);
    if (!rebuilt)
      return error{rebuilt.err().code(), "cannot resume " + opts.log_dir + ": "
                                           + rebuilt.err().message()};
    if (!rebuilt_from.passed_over.empty())
      std::fprintf(stderr,
                   "baton: %s: %s; the orchestrator's streams were replayed "
                   "from their first event\n",
                   opts.log_dir.c_str(), rebuilt_from.passed_over.c_str());
    if (rebuilt->node->finished() && rebuilt->unrecorded.empty())
      return error{ec::invalid_argument,
                   opts.log_dir + " holds a finished run; nothing to resume"};
    top = std::make_unique<engine::top_seed>(std::move(*rebuilt));
    auto first = replay::recorded_start(*log);
    if (!first)
      return first.err();
    start = std::move(*first);
  } else {
    replay::rebuild_stats rebuilt_from;
    auto r = replay::rebuild_orchestrator(*log, true, &rebuilt_from);
    if (!r)
      return error{r.err().code(), opts.log_dir + ": " + r.err().message()};
    if (!rebuilt_from.passed_over.empty())
      std::fprintf(stderr,
                   "baton: %s: %s; the orchestrator's streams were folded "
                   "from their first event\n",
                   opts.log_dir.c_str(), rebuilt_from.passed_over.c_str());
    if (r->engine->finished() && r->unrecorded.empty())
      return error{ec::invalid_argument,
                   opts.log_dir + " holds a finished run; nothing to resume"};
    recorded = std::move(*r);
    start = recorded->start;
  }
  // The env values were kept out of the log: back from the plan file.
  auto text = engine::restore_plan_secrets(start.plan_text,
                                           read_file(start.plan), start.plan);
  if (!text)
    return text.err();
  auto plan = engine::parse_plan(*text, "the recorded plan");
  if (!plan)
    return plan.err();
  auto workspace = !opts.workspace.empty() ? fs::absolute(opts.workspace)
                                           : fs::path{start.workspace};
  if (workspace.empty())
    return error{ec::invalid_argument,
                 opts.log_dir
                   + " does not record its workspace; pass the workspace"};
  // The hosts keep spooling under the run's id its log recorded.
  auto run_id = [&log](const std::string& host) {
    std::string id;
    static_cast<void>(log->read("host/" + host, 1, UINT64_MAX, 1,
                                [&](storage::recorded_event&& e) {
                                  if (e.event().isHostChanged())
                                    id = e.event().getHostChanged().getRun();
                                  return false;
                                }));
    return id;
  };
  auto hosts
    = api::connect_hosts(*plan, {*text, fs::absolute(start.plan).parent_path(),
                                 workspace, opts.log_dir, run_id});
  if (!hosts)
    return hosts.err();
  auto agents = api::setup_agents(*plan, workspace, opts.log_dir,
                                   *impl_->reactor);
  if (!agents)
    return agents.err();
  actors::team_options topts;
  for (auto& a : plan->agents) {
    // (An agent on a host was started there: its pid is the host's.)
    if (opts.end_leftovers && a.host.empty())
      end_leftover(*log, a.name);
    // Each agent's re-orientation summary, from its own stream only (from
    // its latest snapshot on). A stream that cannot be read stops the
    // resume: an agent re-oriented from half its history would be told a
    // wrong story.
    auto rebuilt = replay::rebuild_checkpoint(*log, a.name);
    if (!rebuilt && rebuilt.err().code() == ec::not_found)
      continue; // never started: nothing to re-orient
    if (!rebuilt)
      return error{rebuilt.err().code(),
                   "cannot resume " + opts.log_dir + ": the checkpoint of "
                     + a.name + ": " + rebuilt.err().message()};
    topts.checkpoints[a.name] = rebuilt->fold.render(a.name);
    // The worker goes on folding from there.
    for (auto& t : *agents)
      if (t.name == a.name)
        t.checkpoint = rebuilt->fold.save();
  }
  topts.plan = *plan;
  topts.plan_path = start.plan;
  topts.plan_text = start.plan_text;
  topts.workspace = workspace.string();
  topts.agents = std::move(*agents);
  if (top) {
    // Each lead of the chain as its stream left it (one that never
    // started starts anew).
    for (auto& team : engine::chain_scopes(*plan)) {
      if (team.empty())
        continue;
      replay::rebuild_stats stats;
      auto seed
        = replay::rebuild_chain_scope(*log, team, true, &stats, recorded_plan);
      if (!seed && seed.err().code() == ec::not_found)
        continue;
      if (seed && !stats.passed_over.empty())
        std::fprintf(stderr,
                     "baton: the lead of team %s: %s; its stream was "
                     "replayed from the first record\n",
                     team.c_str(), stats.passed_over.c_str());
      if (!seed)
        return error{seed.err().code(), "cannot resume " + opts.log_dir
                                          + ": the lead of team " + team + ": "
                                          + seed.err().message()};
      topts.chain_seeds.emplace(team, std::move(*seed));
    }
    topts.chain_top = std::move(top);
  } else if (recorded->engine->leads())
    for (auto& team : recorded->engine->lead_teams()) {
      replay::rebuild_stats stats;
      auto seed = replay::rebuild_lead(*log, team, true, &stats);
      if (seed && !stats.passed_over.empty())
        std::fprintf(stderr,
                     "baton: %s: the lead of team %s: %s; its stream was "
                     "folded from the first record\n",
                     opts.log_dir.c_str(), team.c_str(),
                     stats.passed_over.c_str());
      if (!seed)
        return error{seed.err().code(),
                     "cannot resume " + opts.log_dir + ": the lead of team "
                       + team + ": " + seed.err().message()};
      topts.lead_seeds.emplace(team, std::move(*seed));
    }
  if (recorded && plan->run.snapshot_every > 0) {
    // The orchestrator goes on saving snapshots from this fold: a copy of
    // it, through its own snapshot.
    auto copy = engine::recorded_orchestrator::restore(recorded->start,
                                                       recorded->save());
    if (!copy)
      return error{copy.err().code(), "cannot resume " + opts.log_dir + ": "
                                        + copy.err().message()};
    topts.recorded
      = std::make_unique<engine::recorded_orchestrator>(std::move(*copy));
  }
  if (recorded) {
    topts.resume = std::move(recorded->engine);
    topts.unrecorded.assign(
      std::make_move_iterator(recorded->unrecorded.begin()),
      std::make_move_iterator(recorded->unrecorded.end()));
  }
  topts.stop_grace = opts.stop_grace;
  auto at = log->last_position();
  auto title = plan->run.name + ", from position " + std::to_string(at)
               + " of " + opts.log_dir;
  auto p = launch(*impl_->sys, log, opts.log_dir, std::move(topts), at,
                  std::move(*hosts));
  if (!p)
    return p.err();
  (*p)->title = std::move(title);
  std::unique_ptr<run> r{new run{std::move(*p)}};
  if (opts.control_socket)
    if (auto s = r->serve(); !s)
      return s.err();
  return r;
}

} // namespace baton
