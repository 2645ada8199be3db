// baton show DIR [--at SEQ|TIME] [--stream S] [--json]
//
// The run as it stood at one point of its log: tasks, agents, open NEEDs and
// who waits on whom, counters, and the agents' screens as they looked then
// (engine/inspect/run_inspector), folded from every stream in global order.
// --at is a global position (a plain number) or a logical time (12s, 1500ms,
// 1m2s); with --stream S a plain number is S's own sequence, and only S's
// screen is shown (none for a stream that is not a worker's). Without --at,
// or with one beyond the end, it is the final state, and it says so.
//
// Exit status: 0 done; 1 the log could not be read; 2 bad usage (DIR holds
// no log, an unknown stream, a malformed --at).
#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "engine/inspect/logical_time.hpp"
#include "engine/inspect/run_inspector.hpp"
#include "storage/event_log.hpp"

namespace baton::cli {

namespace {

struct show_args {
  std::string dir;
  std::string at;
  std::string stream;
  bool json = false;
};

/// Where to stop: the last global position to apply, or a logical time.
struct stop_point {
  uint64_t position = UINT64_MAX;
  std::optional<uint64_t> time_us;
  /// The requested point lies beyond the end of the log.
  bool beyond = false;
};

constexpr std::string_view worker_prefix = "worker/";

/// Resolves --at; nullopt (with a message) when it is bad usage.
std::optional<stop_point> resolve(const show_args& args,
                                  const storage::event_log& log) {
  stop_point p;
  auto last = log.last_position();
  if (args.at.empty()) {
    p.position = last;
    return p;
  }
  if (!engine::is_plain_number(args.at)) {
    auto t = engine::parse_logical_time(args.at);
    if (!t) {
      std::cerr << "baton show: --at \"" << args.at
                << "\" is neither a position (a number) nor a logical time "
                   "(12s, 1500ms, 1m2s)\n";
      return std::nullopt;
    }
    p.time_us = *t;
    return p;
  }
  uint64_t n = std::stoull(args.at);
  if (args.stream.empty()) {
    p.beyond = n > last;
    p.position = std::min(n, last);
    return p;
  }
  if (n > log.highest(args.stream)) {
    p.beyond = true;
    p.position = last;
    return p;
  }
  if (n == 0) {
    p.position = 0;
    return p;
  }
  auto e = log.read(args.stream, n, n, 1);
  if (!e || e->empty()) {
    std::cerr << "baton show: " << args.stream << " #" << n
              << " is no longer stored"
              << (e ? std::string{} : ": " + e.err().to_string()) << '\n';
    return std::nullopt;
  }
  p.position = (*e)[0].position();
  return p;
}

int run_show(const show_args& args) {
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(args.dir, opts);
  if (!log) {
    std::cerr << "baton show: " << log.err().to_string() << '\n';
    return 2;
  }
  if (!args.stream.empty() && (*log)->highest(args.stream) == 0) {
    std::cerr << "baton show: " << args.dir << " has no stream "
              << args.stream << '\n';
    return 2;
  }
  auto stop = resolve(args, **log);
  if (!stop)
    return 2;
  engine::run_inspector_options o;
  if (!args.stream.empty()) {
    // Only that stream's screen: none for a stream that is not a worker's.
    o.screens = args.stream.starts_with(worker_prefix);
    if (o.screens)
      o.only_screen = args.stream.substr(worker_prefix.size());
  }
  engine::run_inspector state{o};
  uint64_t latest_time = 0;
  auto n = (*log)->read_all(1, UINT64_MAX, [&](storage::recorded_event&& e) {
    if (e.position() > stop->position)
      return false;
    latest_time = std::max(latest_time, e.logical_time());
    if (!stop->time_us || e.logical_time() <= *stop->time_us)
      state.apply(e.stream(), e.sequence(), e.position(), e.logical_time(),
                  e.event());
    return true;
  });
  if (!n) {
    std::cerr << "baton show: " << n.err().to_string() << '\n';
    return 1;
  }
  if (stop->time_us && *stop->time_us > latest_time)
    stop->beyond = true;
  if (args.json) {
    auto json = state.to_json();
    std::cout << "{\"beyondEnd\":" << (stop->beyond ? "true" : "false") << ","
              << json.substr(1) << '\n';
    return 0;
  }
  if (stop->beyond)
    std::cout << "--at " << args.at
              << " is beyond the end of the log: the final state\n";
  std::cout << state.render();
  return 0;
}

} // namespace

void add_show_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<show_args>();
  auto* cmd = app.add_subcommand(
    "show", "The run's state at a point of its log, screens included");
  cmd->add_option("dir", args->dir, "The run's log directory")->required();
  cmd->add_option("--at", args->at,
                  "A global position (a number) or a logical time (12s, "
                  "1500ms, 1m2s); default: the end");
  cmd->add_option("--stream", args->stream,
                  "--at counts this stream's sequence; show only its screen");
  cmd->add_flag("--json", args->json, "The state as one JSON object");
  cmd->callback([args, &exit_code] { exit_code = run_show(*args); });
}

} // namespace baton::cli
