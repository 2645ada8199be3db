// baton status DIR [--follow] [--json]
//
// The table `baton run` shows, for a finished or running run, from its
// events through the public API's cursor (baton::open_events: the log
// opened read-only, so it works while the run writes). --follow keeps it up to
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

#include "api/detail/event_access.hpp"
#include "baton/event_cursor.hpp"
#include "cli/commands.hpp"
#include "cli/run_table.hpp"
#include "engine/orchestration/run_view.hpp"

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
           + ",\"restarts\":" + std::to_string(a.restarts)
           + ",\"host\":" + quote(a.host) + "}";
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
  out += "],\"approvals\":[";
  first = true;
  for (auto& a : v.approvals()) {
    out += (first ? "" : ",");
    first = false;
    out += "{\"id\":" + quote(a.id) + ",\"agent\":" + quote(a.agent)
           + ",\"task\":" + quote(a.task) + ",\"tool\":" + quote(a.tool)
           + ",\"subject\":" + quote(a.subject) + ",\"policy\":"
           + quote(a.policy) + ",\"answer\":" + quote(a.answer)
           + ",\"by\":" + quote(a.by) + ",\"why\":" + quote(a.why) + "}";
  }
  out += "]}";
  return out;
}

/// Folds what `cursor` has now (waiting up to `wait` for the first).
void fold(event_cursor& cursor, engine::run_view& view, bool lines,
          std::chrono::milliseconds wait = std::chrono::milliseconds{0}) {
  for (auto* e = cursor.next(wait); e != nullptr; e = cursor.next()) {
    auto& ev = event_access::of(*e);
    view.apply(ev.stream(), ev.logical_time(), ev.event());
    if (lines) {
      auto line = engine::describe_change(ev.stream(), ev.logical_time(),
                                          ev.event());
      if (!line.empty())
        std::cout << line << '\n';
    }
  }
}

int show_status(const status_args& args) {
  auto cursor = open_events(args.dir);
  if (!cursor) {
    std::cerr << "baton status: " << cursor.err().to_string() << '\n';
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
  fold(**cursor, view, lines);
  if (!(*cursor)->error()) {
    std::cerr << "baton status: " << (*cursor)->error().err().to_string()
              << '\n';
    return 1;
  }
  if (!view.started) {
    std::cerr << "baton status: " << args.dir
              << " holds no run (no orchestrator stream)\n";
    return 2;
  }
  live_table live;
  if (args.follow && !args.json) {
    std::signal(SIGINT, on_interrupt);
    if (tty)
      std::cout << live.redraw(render_table(view, style)) << std::flush;
    while (!view.finished && !stop_following.load()) {
      fold(**cursor, view, lines, std::chrono::milliseconds{200});
      if (!(*cursor)->error()) {
        std::cerr << "baton status: " << (*cursor)->error().err().to_string()
                  << '\n';
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
  cmd->callback([args, &exit_code] { exit_code = show_status(*args); });
}

} // namespace baton::cli
