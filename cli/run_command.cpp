// baton run PLAN [--db DIR] [--workspace DIR] [--json] [--replace]
//
// The composition root of a run: loads and checks the plan, prepares the
// workspace and each agent's directory, opens the run's log, starts the
// actors (actors/team) over a PTY reactor, and shows the run from its log as
// it is recorded — a live table on a terminal, one line per change
// otherwise, one JSON object per event with --json. Ctrl-C asks the run to
// stop (agents stopped, unsettled tasks failed, log flushed); a second
// Ctrl-C stops the agents at once. Exit code: 0 when every task passed its
// gates, 1 when one did not, 2 for a plan or usage problem, 130 when
// interrupted.
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
#include "cli/commands.hpp"
#include "cli/event_format.hpp"
#include "cli/plan_loader.hpp"
#include "cli/run_table.hpp"
#include "engine/orchestration/run_view.hpp"
#include "storage/event_log.hpp"

namespace fs = std::filesystem;

namespace baton::cli {

namespace {

struct run_args {
  std::string plan;
  std::string db;
  std::string workspace;
  bool json = false;
  bool replace = false;
};

std::atomic<int> interrupts{0};

void on_interrupt(int) {
  interrupts.fetch_add(1);
}

std::string self_executable() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string{"baton"} : p.string();
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
  std::vector<actors::team_agent> out;
  for (auto& a : plan.agents) {
    actors::pty::spawn_options spawn;
    if (a.preset == "sim")
      spawn.argv = {self_executable(), "sim"};
    else if (!a.preset.empty())
      spawn.argv = {a.preset};
    spawn.argv.insert(spawn.argv.end(), a.command.begin(), a.command.end());
    // Tool scoping through the CLI's own flag where it has one.
    if (!a.tools.empty() && a.preset == "claude") {
      std::string list;
      for (auto& t : a.tools)
        list += (list.empty() ? "" : ",") + t;
      spawn.argv.insert(spawn.argv.end(), {"--allowedTools", list});
    }
    auto dir = (workspace / (a.workdir.empty() ? a.name : a.workdir))
                 .lexically_normal();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
      return error{ec::io_error, "cannot create the directory of agent "
                                   + a.name + " (" + dir.string()
                                   + "): " + ec.message()};
    spawn.working_dir = dir.string();
    if (!a.env_allow.empty()) {
      spawn.env.base = actors::pty::env_base::allow_list;
      spawn.env.allow = {"PATH", "HOME", "USER", "LANG", "LC_*", "TMPDIR"};
      spawn.env.allow.insert(spawn.env.allow.end(), a.env_allow.begin(),
                             a.env_allow.end());
    }
    for (auto& [k, v] : a.env)
      spawn.env.set.emplace_back(k, v);
    auto pack_name = !a.pack.empty()     ? a.pack
                     : !a.preset.empty() ? a.preset
                                         : std::string{"generic"};
    auto pack = pack_name.ends_with(".toml")
                  ? actors::terminal::pack_from_file(pack_name)
                  : actors::terminal::builtin_pack(pack_name);
    if (!pack)
      return error{pack.err().code(),
                   "agent " + a.name + ": " + pack.err().message()};
    actors::team_agent t;
    t.name = a.name;
    t.pack = *pack;
    t.workdir = fs::absolute(dir).string();
    t.core.screen.cols = spawn.size.cols;
    t.core.screen.rows = spawn.size.rows;
    t.terminal = actors::make_pty_terminal(reactor, std::move(spawn));
    out.push_back(std::move(t));
  }
  return out;
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
  uint64_t show(const storage::event_log& log, uint64_t next, uint64_t now) {
    bool changed = false;
    auto n = log.read_all(next, UINT64_MAX, [&](storage::recorded_event&& ev) {
      if (json_)
        std::cout << format_json(ev) << '\n';
      bool c = view_.apply(ev.stream(), ev.logical_time(), ev.event());
      if (!json_ && !tty_ && c) {
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
};

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

  caf::actor_system_config cfg;
  actors::configure_actor_system(cfg);
  // Quiet CAF's own console output; Baton reports problems itself.
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};

  auto origin = std::chrono::steady_clock::now();
  actors::team_options topts;
  topts.plan = plan;
  topts.plan_path = args.plan;
  topts.plan_text = read_file(args.plan);
  topts.agents = std::move(*agents);
  // The run's logical clock: microseconds since it began (from 1).
  auto clock = [origin] {
    return static_cast<uint64_t>(
             std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now() - origin)
               .count())
           + 1;
  };
  topts.clock = clock;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  // A closed pipe (`baton run ... | head`) must not kill Baton and leave its
  // agents running: the run goes on, its log is complete.
  std::signal(SIGPIPE, SIG_IGN);
  auto team = actors::team::start(sys, **log, std::move(topts));
  if (!team) {
    std::cerr << "baton run: " << team.err().message() << '\n';
    return 2;
  }

  run_display display{args};
  if (!args.json)
    display.note("baton run: " + plan.run.name + " (" + args.plan + "), "
                 + std::to_string(plan.agents.size()) + " agents, "
                 + std::to_string(plan.tasks.size()) + " tasks; log "
                 + db.string());
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
    next = display.show(**log, next, clock());
    if (done && next > (*log)->last_position())
      break;
    (*log)->wait_beyond(next - 1, std::chrono::milliseconds{100});
  }
  team->reset();
  next = display.show(**log, next, clock());
  display.report();
  if (seen_interrupts > 0)
    return 130;
  return display.view().finished && display.view().ok ? 0 : 1;
}

} // namespace

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
