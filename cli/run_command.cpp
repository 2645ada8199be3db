// baton run PLAN [--db DIR] [--workspace DIR] [--json] [--replace]
//
// A run through the public API (include/baton/): runtime::start (or
// resume) composes it — plan, workspace, agents' directories, log, actors —
// and this command shows it from its events as they are recorded: a live
// table on a terminal, one line per change otherwise, one JSON object per
// event with --json. Ctrl-C asks the run to stop (an operator command:
// agents stopped, unsettled tasks failed, log flushed); a second Ctrl-C
// stops the agents at once. While it runs, `baton send`, `approve`, `stop`,
// `attach` reach it through the control socket in its log directory. Exit
// code: 0 when every task passed its gates, 1 when one did not, 2 for a
// plan or usage problem, 3 when the run shipped without some tasks as the
// plan's degradation policy allows, 4 when tasks were left for the
// operator, 130 when interrupted.
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "api/detail/event_access.hpp"
#include "api/event_format.hpp"
#include "baton/baton.hpp"
#include "cli/commands.hpp"
#include "cli/run_table.hpp"
#include "engine/orchestration/orchestrator_snapshot.hpp"
#include "engine/orchestration/run_view.hpp"
#include "http/server.hpp"
#include "storage/event_log.hpp"

namespace fs = std::filesystem;

namespace baton::cli {

namespace {

struct run_args {
  std::string plan;
  /// --goal, and --orchestrator (the orchestrator agent's preset).
  std::string goal;
  std::string orchestrator;
  /// --serve: ADDR:PORT for the run's HTTP server (empty: none).
  std::string serve;
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

  /// Shows what `cursor` has now (waiting up to `wait` for the first).
  void show(event_cursor& cursor, uint64_t now,
            std::chrono::milliseconds wait = std::chrono::milliseconds{0}) {
    bool changed = false;
    for (auto* e = cursor.next(wait); e != nullptr; e = cursor.next()) {
      auto& ev = event_access::of(*e);
      bool old = ev.position() <= history_;
      if (json_ && !old)
        std::cout << api::format_json(ev) << '\n';
      bool c = view_.apply(ev.stream(), ev.logical_time(), ev.event());
      if (!json_ && !tty_ && c && !old) {
        auto line
          = engine::describe_change(ev.stream(), ev.logical_time(), ev.event());
        if (!line.empty())
          std::cout << line << '\n';
      }
      changed = changed || c;
    }
    if (!json_ && tty_ && (changed || now >= drawn_at_ + 1'000'000)) {
      style_.now_us = now;
      drawn_at_ = now;
      std::cout << live_.redraw(render_table(view_, style_));
    }
    std::cout.flush();
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

/// Shows a run until it is over; Ctrl-C stops it (a second: at once).
int drive(const run_args& args, const std::string& name, run& r) {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  // A closed pipe (`baton run ... | head`) must not kill Baton and leave its
  // agents running: the run goes on, its log is complete.
  std::signal(SIGPIPE, SIG_IGN);
  run_display display{args};
  display.history(r.resumed_at());
  if (!args.json)
    display.note(name + ": " + r.describe());
  // The run over HTTP (its MCP server at /mcp), for as long as it runs.
  std::unique_ptr<http::server> web;
  if (!args.serve.empty()) {
    auto s = http::server::start(
      {.log_dir = r.log_dir(),
       .listen = args.serve,
       .events = [&r](uint64_t from) { return r.events(from); }});
    if (!s) {
      std::cerr << name << ": --serve: " << s.err().message() << '\n';
      ignore(r.stop(true, "--serve could not listen"));
      r.wait(std::chrono::seconds{30});
      return 1;
    }
    web = std::move(*s);
    display.note(name + ": serving " + web->url() + " (MCP: " + web->url()
                 + "/mcp; token " + web->token() + ")");
    display.note(name + ": browser view: " + web->url()
                 + "/?token=" + web->token());
  }
  auto cursor = r.events(1);
  int seen_interrupts = 0;
  while (true) {
    int n = interrupts.load();
    if (n > seen_interrupts) {
      seen_interrupts = n;
      if (n == 1)
        display.note(name + ": stopping (Ctrl-C again to stop at once)");
      ignore(r.stop(n > 1, "interrupted (Ctrl-C)"));
    }
    display.show(*cursor, r.now(), std::chrono::milliseconds{100});
    if (cursor->at_end())
      break;
    if (!cursor->error()) {
      std::cerr << name << ": " << cursor->error().err().message() << '\n';
      break;
    }
  }
  r.wait(std::chrono::seconds{30});
  display.show(*cursor, r.now());
  display.report();
  if (seen_interrupts > 0)
    return 130;
  // A person at a terminal may still be looking at the run in a browser:
  // its view stays (finished, with its time slider) until Ctrl-C. Scripts
  // (no terminal) get the exit code at once.
  if (web && ::isatty(STDOUT_FILENO) == 1) {
    display.note(name + ": the run is over; its browser view stays at "
                 + web->url() + " until Ctrl-C");
    while (interrupts.load() == seen_interrupts)
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  return r.exit_code();
}

int run_plan(const run_args& args) {
  auto rt = runtime::open();
  if (!rt) {
    std::cerr << "baton run: " << rt.err().message() << '\n';
    return 1;
  }
  run_options opts;
  opts.plan_path = args.plan;
  opts.goal = args.goal;
  opts.orchestrator = args.orchestrator;
  opts.log_dir = args.db;
  opts.workspace = args.workspace;
  opts.replace = args.replace;
  auto r = (*rt)->start(opts);
  if (!r) {
    std::cerr << "baton run: " << r.err().message() << '\n';
    return r.err().code() == ec::io_error ? 1 : 2;
  }
  return drive(args, "baton run", **r);
}

int resume_run(const run_args& args) {
  auto rt = runtime::open();
  if (!rt) {
    std::cerr << "baton resume: " << rt.err().message() << '\n';
    return 1;
  }
  resume_options opts;
  opts.log_dir = args.db;
  opts.workspace = args.workspace;
  opts.end_leftovers = args.end_leftovers;
  auto r = (*rt)->resume(opts);
  if (!r) {
    // A finished run: its report, and nothing to do.
    auto cursor = open_events(args.db);
    if (r.err().code() == ec::invalid_argument && cursor
        && r.err().message().find("holds a finished run")
             != std::string::npos) {
      run_display display{args};
      display.history(UINT64_MAX);
      display.show(**cursor, 0);
      display.report();
      std::cout << "baton resume: " << r.err().message() << '\n';
      return display.view().ok ? 0 : 1;
    }
    std::cerr << "baton resume: " << r.err().message() << '\n';
    return 2;
  }
  return drive(args, "baton resume", **r);
}

struct fork_args {
  std::string dir;
  uint64_t at = 0;
  std::string into;
  run_args run;
};

/// Copies into `to` each stream's latest snapshot in `from` that the
/// events copied into `to` cover, so the fork's resume starts from them as
/// the original's would: a stream's snapshot at or below its last copied
/// sequence; the orchestrator's only when `operator` was copied up to the
/// snapshot's sequence of it too. The number copied.
result<size_t> copy_snapshots(const storage::event_log& from,
                              storage::event_log& to) {
  std::map<std::string, uint64_t, std::less<>> highest;
  for (auto& info : to.streams())
    highest[info.name] = info.highest;
  auto operators = highest.find(engine::operator_stream_name);
  uint64_t operator_top = operators == highest.end() ? 0 : operators->second;
  size_t copied = 0;
  for (auto& [stream, top] : highest) {
    storage::snapshot_criteria criteria;
    criteria.max_sequence = top;
    for (;;) {
      auto snap = from.load_snapshot(stream, criteria);
      if (!snap)
        return snap.err();
      if (!*snap)
        break;
      auto& found = **snap;
      if (stream == "orchestrator") {
        auto op
          = engine::recorded_orchestrator::operator_sequence_of(found.state);
        if (!op)
          std::cerr << "baton fork: the orchestrator's snapshot at "
                    << found.sequence
                    << " is not copied: " << op.err().message() << '\n';
        if (!op || *op > operator_top) {
          // It folded operator commands after the fork's point: an
          // earlier one may not have.
          if (found.sequence <= 1)
            break;
          criteria.max_sequence = found.sequence - 1;
          continue;
        }
      }
      if (auto ok = to.save_snapshot(stream, found); !ok)
        return ok.err();
      ++copied;
      break;
    }
  }
  return copied;
}

/// Copies the events of `from` up to global position `at` into the new log
/// at `into`, each in its stream with its id, times and payload, and the
/// snapshots those events cover (copy_snapshots); the number of snapshots.
result<size_t> copy_prefix(const storage::event_log& from, uint64_t at,
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
  if (auto ok = flush(); !ok)
    return ok.err();
  return copy_snapshots(from, **to);
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
  size_t snapshots = 0;
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
    auto copied = copy_prefix(**log, args.at, args.into);
    if (!copied) {
      std::cerr << "baton fork: " << args.into << ": " << copied.err().message()
                << '\n';
      return 1;
    }
    snapshots = *copied;
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
            << " up to position " << args.at << " (and " << snapshots
            << (snapshots == 1 ? " snapshot" : " snapshots")
            << " it covers); continuing in " << args.run.workspace << '\n';
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
  auto* plan = cmd->add_option("plan", args->plan, "The plan file (TOML)");
  auto* team = cmd->add_option(
    "--team", args->plan,
    "The plan file, as the team an orchestrator agent gives --goal's tasks "
    "to");
  plan->excludes(team);
  team->excludes(plan);
  cmd->add_option("--goal", args->goal,
                  "A goal for the plan's orchestrator agent ([orchestrator]), "
                  "which plans tasks for the team through Baton's MCP server");
  cmd->add_option("--orchestrator", args->orchestrator,
                  "The orchestrator agent's preset when the plan has no "
                  "[orchestrator] (claude, codex or gemini; default claude)")
    ->check(CLI::IsMember({"claude", "codex", "gemini"}));
  cmd->add_option("--db", args->db,
                  "The run's log directory (default: the plan's [run] log)");
  cmd->add_option("--workspace", args->workspace,
                  "The run's working area (default: the plan's [run] "
                  "workspace)");
  cmd->add_flag("--json", args->json,
                "One JSON object per recorded event, for automation");
  cmd->add_option("--serve", args->serve,
                  "Serve the run over HTTP while it runs (its MCP server at "
                  "/mcp): ADDR:PORT, or just --serve for 127.0.0.1, a free "
                  "port")
    ->expected(0, 1)
    ->default_str("127.0.0.1:0");
  cmd->add_flag("--replace", args->replace,
                "Delete an earlier run's log in the log directory first");
  cmd->callback([args, &exit_code] {
    if (args->plan.empty()) {
      std::cerr << "baton run: a plan is required (baton run plan.toml, or "
                   "--team plan.toml with --goal)\n";
      exit_code = 2;
      return;
    }
    exit_code = run_plan(*args);
  });
}

} // namespace baton::cli
