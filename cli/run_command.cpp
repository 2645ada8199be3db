// baton run PLAN [--db DIR] [--workspace DIR] [--json] [--replace]
//
// The composition root of a run: loads and checks the plan, prepares the
// workspace and each agent's directory, opens the run's log, starts the
// actors (actors/team) over a PTY reactor, and shows the run from its log as
// it is recorded — a live table on a terminal, one line per change
// otherwise, one JSON object per event with --json. Ctrl-C asks the run to
// stop (agents stopped, unsettled tasks failed, log flushed); a second
// Ctrl-C stops the agents at once. Exit code: 0 when every task passed its
// gates, 1 when one did not, 2 for a plan or usage problem, 3 when the run
// shipped without some tasks as the plan's degradation policy allows, 4
// when tasks were left for the operator, 130 when interrupted.
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/pty/reactor.hpp"
#include "actors/team.hpp"
#include "actors/terminal/pack_loader.hpp"
#include "cli/agent_setup.hpp"
#include "cli/commands.hpp"
#include "cli/control_socket.hpp"
#include "cli/event_format.hpp"
#include "cli/plan_loader.hpp"
#include "cli/run_table.hpp"
#include "engine/checkpoint/checkpoint.hpp"
#include "engine/orchestration/run_view.hpp"
#include "engine/plan/plan_parser.hpp"
#include "engine/plan/plan_secrets.hpp"
#include "replay/orchestrator_replay.hpp"
#include "storage/event_log.hpp"

namespace fs = std::filesystem;

namespace baton::cli {

namespace {

/// 0 complete, 3 shipped reduced, 4 left for the operator, 1 otherwise.
int exit_code_of(const engine::run_view& v) {
  if (!v.finished)
    return 1;
  if (v.ok)
    return 0;
  if (v.outcome == "reduced")
    return 3;
  if (v.outcome == "operator")
    return 4;
  return 1;
}

struct run_args {
  std::string plan;
  std::string db;
  std::string workspace;
  bool json = false;
  bool replace = false;
  /// Resume: end the agents' processes left from before the engine
  /// stopped. Not for a fork (the original run may still be going).
  bool end_leftovers = true;
};

std::atomic<int> interrupts{0};

void on_interrupt(int) {
  interrupts.fetch_add(1);
}

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The agents' terminals, packs and directories, from the plan.
result<std::vector<actors::team_agent>>
make_agents(const engine::plan& plan, const fs::path& workspace,
            actors::pty::reactor& reactor) {
  return setup_agents(plan, workspace, reactor);
}

/// Shows the run from its log: feeds each new event to the view and the
/// screen. Returns the next position to read.
class run_display {
public:
  explicit run_display(const run_args& args)
    : json_(args.json), tty_(::isatty(STDOUT_FILENO) == 1) {
    style_.colour = tty_;
    // Rows wider than the terminal would wrap and break the redraw.
    winsize ws{};
    if (tty_ && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
      style_.width = ws.ws_col;
  }

  /// `now`: the run's logical time, so that times in state move on a
  /// terminal between events (redrawn at most once a second for that).
  /// Events up to `position` are an earlier part of the run (resumed):
  /// they make up the view but are not printed again.
  void history(uint64_t position) {
    history_ = position;
  }

  uint64_t show(const storage::event_log& log, uint64_t next, uint64_t now) {
    bool changed = false;
    auto n = log.read_all(next, UINT64_MAX, [&](storage::recorded_event&& ev) {
      bool old = ev.position() <= history_;
      if (json_ && !old)
        std::cout << format_json(ev) << '\n';
      bool c = view_.apply(ev.stream(), ev.logical_time(), ev.event());
      if (!json_ && !tty_ && c && !old) {
        auto line
          = engine::describe_change(ev.stream(), ev.logical_time(), ev.event());
        if (!line.empty())
          std::cout << line << '\n';
      }
      changed = changed || c;
      return true;
    });
    if (!n)
      return next;
    if (!json_ && tty_ && (changed || now >= drawn_at_ + 1'000'000)) {
      style_.now_us = now;
      drawn_at_ = now;
      std::cout << live_.redraw(render_table(view_, style_));
    }
    std::cout.flush();
    return next + *n;
  }

  void note(const std::string& text) {
    if (json_)
      std::cerr << text << '\n';
    else if (tty_)
      std::cout << live_.clear() << text << '\n';
    else
      std::cout << text << '\n';
    std::cout.flush();
  }

  void report() {
    if (json_)
      return;
    if (tty_)
      std::cout << live_.clear() << render_table(view_, style_);
    std::cout << '\n' << render_report(view_, style_);
    std::cout.flush();
  }

  const engine::run_view& view() const {
    return view_;
  }

private:
  bool json_;
  bool tty_;
  table_style style_;
  live_table live_;
  engine::run_view view_;
  uint64_t drawn_at_ = 0;
  uint64_t history_ = 0;
};

int drive(const run_args& args, const std::string& title,
          storage::event_log& log, const std::string& log_dir,
          actors::team_options topts, uint64_t resumed_at);

int run_plan(const run_args& args) {
  auto loaded = load_plan(args.plan);
  if (!loaded) {
    std::cerr << "baton run: " << loaded.err().message() << '\n';
    return 2;
  }
  if (!loaded->problems.empty()) {
    for (auto& p : loaded->problems)
      std::cerr << p << '\n';
    std::cerr << "baton run: " << args.plan << " is not valid ("
              << loaded->problems.size() << " problem"
              << (loaded->problems.size() == 1 ? "" : "s")
              << "); nothing was started\n";
    return 2;
  }
  auto& plan = loaded->plan;
  auto base = fs::absolute(args.plan).parent_path();
  auto workspace = args.workspace.empty()
                     ? (base / plan.run.workspace).lexically_normal()
                     : fs::absolute(args.workspace).lexically_normal();
  auto db = args.db.empty() ? (base / plan.run.log).lexically_normal()
                            : fs::absolute(args.db);

  storage::options lopts;
  auto mode = storage::parse_durability(plan.run.durability);
  if (!mode) {
    std::cerr << "baton run: " << mode.err().message() << '\n';
    return 2;
  }
  lopts.mode = *mode;
  std::error_code fec;
  if (fs::exists(db, fec) && !fs::is_empty(db, fec)) {
    if (!args.replace) {
      std::cerr << "baton run: " << db.string()
                << " already holds a run; pass --db NEW_DIR, or --replace "
                   "to delete it first\n";
      return 2;
    }
    // Only a Baton log is deleted: opening it proves what it is.
    {
      storage::options probe;
      probe.create_if_missing = false;
      probe.read_only = true;
      if (auto old = storage::event_log::open(db.string(), probe); !old) {
        std::cerr << "baton run: --replace: " << db.string()
                  << " is not a Baton log (" << old.err().message()
                  << "); nothing was deleted\n";
        return 2;
      }
    }
    fs::remove_all(db, fec);
  }
  fs::create_directories(workspace, fec);
  auto log = storage::event_log::open(db.string(), lopts);
  if (!log) {
    std::cerr << "baton run: " << log.err().to_string() << '\n';
    return 2;
  }
  auto reactor = actors::pty::reactor::make();
  if (!reactor) {
    std::cerr << "baton run: " << reactor.err().to_string() << '\n';
    return 1;
  }
  auto agents = make_agents(plan, workspace, **reactor);
  if (!agents) {
    std::cerr << "baton run: " << agents.err().message() << '\n';
    return 2;
  }

  actors::team_options topts;
  topts.plan = plan;
  topts.plan_path = args.plan;
  topts.plan_text = engine::redact_plan_secrets(read_file(args.plan));
  topts.workspace = workspace.string();
  topts.agents = std::move(*agents);
  return drive(args, "baton run: " + plan.run.name + " (" + args.plan + "), "
                       + std::to_string(plan.agents.size()) + " agents, "
                       + std::to_string(plan.tasks.size()) + " tasks; log "
                       + db.string(),
               **log, db.string(), std::move(topts), 0);
}

/// Runs a team over `log` and shows it until every actor has quit.
/// `resumed_at`: the last position of an earlier part of the run (0 for a
/// new run); its logical clock continues from that part's last time.
/// The operator's requests through the control socket, answered by the
/// running team: "approve<TAB>id<TAB>answer<TAB>by<TAB>reason".
std::string control(actors::team& team, const std::string& request) {
  std::vector<std::string> f;
  size_t from = 0;
  while (true) {
    auto tab = request.find('\t', from);
    f.push_back(request.substr(from, tab - from));
    if (tab == std::string::npos)
      break;
    from = tab + 1;
  }
  if (f[0] == "approve" && f.size() == 5)
    return team.answer_approval(f[1], f[2], f[3], f[4]);
  return "error: unknown request \"" + f[0] + "\"";
}

int drive(const run_args& args, const std::string& title,
          storage::event_log& log, const std::string& log_dir,
          actors::team_options topts, uint64_t resumed_at) {
  uint64_t offset = 0;
  if (resumed_at > 0)
    if (auto last = log.read_all(resumed_at, 1); last.ok() && !last->empty())
      offset = last->front().logical_time();
  caf::actor_system_config cfg;
  actors::configure_actor_system(cfg);
  // Quiet CAF's own console output; Baton reports problems itself.
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};

  auto origin = std::chrono::steady_clock::now();
  // The run's logical clock: microseconds since it began (from 1); a
  // resumed run's goes on from where the log stops.
  auto clock = [origin, offset] {
    return static_cast<uint64_t>(
             std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now() - origin)
               .count())
           + offset + 1;
  };
  topts.clock = clock;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  // A closed pipe (`baton run ... | head`) must not kill Baton and leave its
  // agents running: the run goes on, its log is complete.
  std::signal(SIGPIPE, SIG_IGN);
  auto team = actors::team::start(sys, log, std::move(topts));
  if (!team) {
    std::cerr << title.substr(0, title.find(':')) << ": "
              << team.err().message() << '\n';
    return 2;
  }

  // Operators answer approvals (baton approve / deny) through the run's
  // control socket, in its log directory.
  auto* running = team->get();
  auto server = control_server::start(
    control_path(log_dir),
    [running](const std::string& request) { return control(*running, request); });
  if (!server)
    std::cerr << "baton: " << server.err().message()
              << " (baton approve and deny cannot reach this run)\n";

  run_display display{args};
  display.history(resumed_at);
  if (!args.json)
    display.note(title);
  uint64_t next = 1;
  int seen_interrupts = 0;
  while (true) {
    int n = interrupts.load();
    if (n > seen_interrupts) {
      seen_interrupts = n;
      if (n == 1)
        display.note("baton run: stopping (Ctrl-C again to stop at once)");
      (*team)->stop(n > 1);
    }
    bool done = (*team)->done();
    next = display.show(log, next, clock());
    if (done && next > log.last_position())
      break;
    log.wait_beyond(next - 1, std::chrono::milliseconds{100});
  }
  if (server)
    server->reset(); // before the team it reaches goes
  team->reset();
  next = display.show(log, next, clock());
  display.report();
  if (seen_interrupts > 0)
    return 130;
  return exit_code_of(display.view());
}

/// Ends what is left of an agent's process from before the engine stopped:
/// the last process its stream started and never saw exit, when it is
/// still running the recorded program (its process group: Baton made it a
/// session leader). Returns a note for the operator, or "".
std::string end_leftover(const storage::event_log& log,
                         const std::string& agent) {
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
    return {};
  // The pid may have been reused since: only the recorded program is ended.
  auto cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  auto first = cmdline.substr(0, cmdline.find('\0'));
  if (first.empty() || fs::path{first}.filename() != fs::path{program}.filename())
    return {};
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  return "baton resume: ended agent " + agent + "'s process " +
         std::to_string(pid) + " left from before the engine stopped";
}

int resume_run(const run_args& args) {
  storage::options lopts;
  lopts.create_if_missing = false;
  auto log = storage::event_log::open(args.db, lopts);
  if (!log) {
    std::cerr << "baton resume: " << log.err().to_string() << '\n';
    return 2;
  }
  auto run = replay::rebuild_orchestrator(**log);
  if (!run) {
    std::cerr << "baton resume: " << args.db << ": " << run.err().message()
              << '\n';
    return 2;
  }
  if (run->engine->finished() && run->unrecorded.empty()) {
    run_display display{args};
    display.history((*log)->last_position());
    display.show(**log, 1, run->last_time);
    display.report();
    std::cout << "baton resume: " << args.db
              << " holds a finished run; nothing to resume\n";
    return display.view().ok ? 0 : 1;
  }
  // The env values were kept out of the log: back from the plan file.
  auto text = engine::restore_plan_secrets(
    run->start.plan_text, read_file(run->start.plan), run->start.plan);
  if (!text) {
    std::cerr << "baton resume: " << text.err().message() << '\n';
    return 2;
  }
  auto plan = engine::parse_plan(*text, "the recorded plan");
  if (!plan) {
    std::cerr << "baton resume: " << plan.err().message() << '\n';
    return 2;
  }
  auto workspace = !args.workspace.empty() ? fs::absolute(args.workspace)
                                           : fs::path{run->start.workspace};
  if (workspace.empty()) {
    std::cerr << "baton resume: " << args.db
              << " does not record its workspace; pass --workspace DIR\n";
    return 2;
  }
  auto reactor = actors::pty::reactor::make();
  if (!reactor) {
    std::cerr << "baton resume: " << reactor.err().to_string() << '\n';
    return 1;
  }
  auto agents = make_agents(*plan, workspace, **reactor);
  if (!agents) {
    std::cerr << "baton resume: " << agents.err().message() << '\n';
    return 2;
  }
  actors::team_options topts;
  for (auto& a : plan->agents) {
    if (args.end_leftovers)
      if (auto note = end_leftover(**log, a.name); !note.empty())
        std::cerr << note << '\n';
    // Each agent's re-orientation summary, from its own stream only.
    engine::checkpoint_fold fold;
    auto n = (*log)->read("worker/" + a.name, 1, UINT64_MAX, UINT64_MAX,
                          [&](storage::recorded_event&& e) {
                            fold.apply(e.sequence(), e.event());
                            return true;
                          });
    if (n && *n > 0) {
      topts.checkpoints[a.name] = fold.render(a.name);
      // The worker goes on folding from there.
      for (auto& t : *agents)
        if (t.name == a.name)
          t.checkpoint = fold.save();
    }
  }
  topts.plan = *plan;
  topts.plan_path = run->start.plan;
  topts.plan_text = run->start.plan_text;
  topts.workspace = workspace.string();
  topts.agents = std::move(*agents);
  topts.resume = std::move(run->engine);
  topts.unrecorded = std::move(run->unrecorded);
  auto at = (*log)->last_position();
  return drive(args,
               "baton resume: " + plan->run.name + ", from position "
                 + std::to_string(at) + " of " + args.db,
               **log, args.db, std::move(topts), at);
}

struct fork_args {
  std::string dir;
  uint64_t at = 0;
  std::string into;
  run_args run;
};

/// Copies the events of `from` up to global position `at` into the new log
/// at `into`, each in its stream with its id, times and payload.
result<void> copy_prefix(const storage::event_log& from, uint64_t at,
                         const std::string& into) {
  storage::options opts;
  opts.mode = from.mode();
  auto to = storage::event_log::open(into, opts);
  if (!to)
    return to.err();
  std::vector<storage::append_request> batch;
  auto flush = [&]() -> result<void> {
    if (batch.empty())
      return {};
    auto results = (*to)->append_many(batch);
    batch.clear();
    for (auto& r : results)
      if (!r)
        return r.err();
    return {};
  };
  std::string failure;
  auto n = from.read_all(1, at, [&](storage::recorded_event&& e) {
    if (batch.empty() || batch.back().stream != e.stream()) {
      batch.push_back({std::string{e.stream()}, storage::expected_version::any(),
                       {}, false});
    }
    storage::new_event ev;
    ev.id = e.id();
    ev.logical_time = e.logical_time();
    ev.wall_time = e.envelope().getWallTime();
    ev.payload = e.payload();
    batch.back().events.push_back(std::move(ev));
    if (batch.size() >= 256) {
      if (auto r = flush(); !r) {
        failure = r.err().message();
        return false;
      }
    }
    return true;
  });
  if (!n)
    return n.err();
  if (!failure.empty())
    return error{ec::io_error, failure};
  return flush();
}

int fork_run(fork_args& args) {
  storage::options ropts;
  ropts.read_only = true;
  ropts.create_if_missing = false;
  std::error_code fec;
  if (fs::exists(args.into, fec) && !fs::is_empty(args.into, fec)) {
    std::cerr << "baton fork: " << args.into
              << " already exists and is not empty; name a new directory\n";
    return 2;
  }
  std::string workspace;
  {
    auto log = storage::event_log::open(args.dir, ropts);
    if (!log) {
      std::cerr << "baton fork: " << log.err().to_string() << '\n';
      return 2;
    }
    auto last = (*log)->last_position();
    if (args.at == 0 || args.at > last) {
      std::cerr << "baton fork: --at " << args.at << " is outside " << args.dir
                << " (positions 1 to " << last << ")\n";
      return 2;
    }
    auto start = (*log)->read("orchestrator", 1, 1);
    if (!start || start->empty() || !start->front().event().isRunStarted()) {
      std::cerr << "baton fork: " << args.dir << " holds no run\n";
      return 2;
    }
    workspace = start->front().event().getRunStarted().getWorkspace().cStr();
    if (auto r = copy_prefix(**log, args.at, args.into); !r) {
      std::cerr << "baton fork: " << args.into << ": " << r.err().message()
                << '\n';
      return 1;
    }
  }
  // The fork works in its own copy of the files: the original run's, as it
  // left them (the log holds what happened, not the files at --at).
  if (args.run.workspace.empty()) {
    auto copy = fs::absolute(args.into).string() + ".work";
    if (!workspace.empty() && fs::exists(workspace, fec))
      fs::copy(workspace, copy,
               fs::copy_options::recursive | fs::copy_options::copy_symlinks,
               fec);
    if (fec) {
      std::cerr << "baton fork: cannot copy the workspace " << workspace
                << " to " << copy << ": " << fec.message() << '\n';
      return 1;
    }
    args.run.workspace = copy;
  }
  std::cerr << "baton fork: " << args.into << " holds " << args.dir
            << " up to position " << args.at << "; continuing in "
            << args.run.workspace << '\n';
  args.run.db = args.into;
  args.run.end_leftovers = false;
  return resume_run(args.run);
}

} // namespace

void add_fork_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<fork_args>();
  auto* cmd = app.add_subcommand(
    "fork", "A new run from an old one's log up to a position, continued "
            "live with this version of Baton");
  cmd->add_option("dir", args->dir, "The old run's log directory")->required();
  cmd->add_option("--at", args->at, "The last global position to keep")
    ->required();
  cmd->add_option("new_dir", args->into, "The new run's log directory")
    ->required();
  cmd->add_option("--workspace", args->run.workspace,
                  "The new run's working area (default: NEW_DIR.work, a "
                  "copy of the old run's files)");
  cmd->add_flag("--json", args->run.json,
                "One JSON object per newly recorded event");
  cmd->callback([args, &exit_code] { exit_code = fork_run(*args); });
}

void add_resume_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<run_args>();
  auto* cmd = app.add_subcommand(
    "resume", "Continue a run whose engine was stopped, from its log");
  cmd->add_option("dir", args->db, "The run's log directory")->required();
  cmd->add_option("--workspace", args->workspace,
                  "The run's working area (default: the recorded one)");
  cmd->add_flag("--json", args->json,
                "One JSON object per newly recorded event");
  cmd->callback([args, &exit_code] { exit_code = resume_run(*args); });
}

void add_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<run_args>();
  auto* cmd = app.add_subcommand(
    "run", "Run a plan: a team of agents driven to a verified result");
  cmd->add_option("plan", args->plan, "The plan file (TOML)")->required();
  cmd->add_option("--db", args->db,
                  "The run's log directory (default: the plan's [run] log)");
  cmd->add_option("--workspace", args->workspace,
                  "The run's working area (default: the plan's [run] "
                  "workspace)");
  cmd->add_flag("--json", args->json,
                "One JSON object per recorded event, for automation");
  cmd->add_flag("--replace", args->replace,
                "Delete an earlier run's log in the log directory first");
  cmd->callback([args, &exit_code] { exit_code = run_plan(*args); });
}

} // namespace baton::cli
