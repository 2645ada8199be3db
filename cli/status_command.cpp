// baton status DIR [--follow] [--json]
//
// The table `baton run` shows, for a finished or running run, from its log
// (read-only, so it works while the run writes). --follow keeps it up to
// date until the run finishes (redrawn in place on a terminal, a line per
// change otherwise); --json prints the view as one JSON object. Exit code:
// 0 when the run finished with every task passed or is still running, 1
// when it finished with a task failed, 2 when DIR holds no run.
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>

#include <capnp/compat/json.h>

#include "cli/commands.hpp"
#include "cli/run_table.hpp"
#include "engine/orchestration/run_view.hpp"
#include "storage/event_log.hpp"

namespace baton::cli {

namespace {

struct status_args {
  std::string dir;
  bool follow = false;
  bool json = false;
};

std::atomic<bool> stop_following{false};

void on_interrupt(int) {
  stop_following.store(true);
}

std::string quote(const std::string& s) {
  capnp::JsonCodec codec;
  return codec.encode(capnp::Text::Reader{s.c_str(), s.size()}).cStr();
}

std::string to_json(const engine::run_view& v) {
  std::string out = "{\"name\":" + quote(v.name) + ",\"plan\":" + quote(v.plan)
                    + ",\"pattern\":" + quote(v.pattern)
                    + ",\"finished\":" + (v.finished ? "true" : "false")
                    + ",\"ok\":" + (v.ok ? "true" : "false")
                    + ",\"summary\":" + quote(v.summary) + ",\"logicalTimeUs\":"
                    + std::to_string(v.now_us()) + ",\"agents\":[";
  bool first = true;
  for (auto& a : v.agents()) {
    out += (first ? "" : ",");
    first = false;
    out += "{\"name\":" + quote(a.name) + ",\"role\":" + quote(a.role)
           + ",\"state\":" + quote(a.state) + ",\"task\":" + quote(a.task)
           + ",\"progress\":" + quote(a.progress) + ",\"lastLine\":"
           + quote(a.last_line) + ",\"sinceUs\":" + std::to_string(a.since_us)
           + ",\"restarts\":" + std::to_string(a.restarts) + "}";
  }
  out += "],\"tasks\":[";
  first = true;
  for (auto& t : v.tasks()) {
    out += (first ? "" : ",");
    first = false;
    out += "{\"id\":" + quote(t.id) + ",\"title\":" + quote(t.title)
           + ",\"agent\":" + quote(t.agent) + ",\"status\":" + quote(t.status)
           + ",\"attempts\":" + std::to_string(t.attempts) + ",\"evidence\":"
           + quote(t.evidence) + ",\"reason\":" + quote(t.reason) + "}";
  }
  out += "]}";
  return out;
}

/// Folds the orchestrator's events from `next`; returns the next sequence.
result<uint64_t> fold(const storage::event_log& log, uint64_t next,
                      engine::run_view& view, bool lines) {
  auto n = log.read("orchestrator", next, UINT64_MAX, UINT64_MAX,
                    [&](storage::recorded_event&& ev) {
                      view.apply(ev.stream(), ev.logical_time(), ev.event());
                      if (lines) {
                        auto line = engine::describe_change(
                          ev.stream(), ev.logical_time(), ev.event());
                        if (!line.empty())
                          std::cout << line << '\n';
                      }
                      return true;
                    });
  if (!n)
    return n.err();
  return next + *n;
}

int run_status(const status_args& args) {
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(args.dir, opts);
  if (!log) {
    std::cerr << "baton status: " << log.err().to_string() << '\n';
    return 2;
  }
  if ((*log)->highest("orchestrator") == 0) {
    std::cerr << "baton status: " << args.dir
              << " holds no run (no orchestrator stream)\n";
    return 2;
  }
  bool tty = ::isatty(STDOUT_FILENO) == 1;
  table_style style;
  style.colour = tty && !args.json;
  winsize ws{};
  if (tty && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    style.width = ws.ws_col;
  engine::run_view view;
  bool lines = args.follow && !tty && !args.json;
  auto next = fold(**log, 1, view, lines);
  if (!next) {
    std::cerr << "baton status: " << next.err().to_string() << '\n';
    return 1;
  }
  live_table live;
  if (args.follow && !args.json) {
    std::signal(SIGINT, on_interrupt);
    if (tty)
      std::cout << live.redraw(render_table(view, style)) << std::flush;
    while (!view.finished && !stop_following.load()) {
      auto seen = (*log)->last_position();
      (*log)->wait_beyond(seen, std::chrono::milliseconds{200});
      if (auto r = (*log)->refresh(); !r) {
        std::cerr << "baton status: " << r.err().to_string() << '\n';
        return 1;
      }
      next = fold(**log, *next, view, lines);
      if (!next) {
        std::cerr << "baton status: " << next.err().to_string() << '\n';
        return 1;
      }
      if (tty)
        std::cout << live.redraw(render_table(view, style)) << std::flush;
    }
    if (tty)
      std::cout << live.clear();
  }
  if (args.json) {
    std::cout << to_json(view) << '\n';
  } else {
    std::cout << render_table(view, style);
    if (view.finished)
      std::cout << '\n' << render_report(view, style);
  }
  return view.finished && !view.ok ? 1 : 0;
}

} // namespace

void add_status_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<status_args>();
  auto* cmd = app.add_subcommand(
    "status",
    "Show a run's agents and tasks from its log (finished or running)");
  cmd->add_option("dir", args->dir, "The run's log directory")->required();
  cmd->add_flag("--follow", args->follow,
                "Keep showing changes until the run finishes");
  cmd->add_flag("--json", args->json, "The view as one JSON object");
  cmd->callback([args, &exit_code] { exit_code = run_status(*args); });
}

} // namespace baton::cli
