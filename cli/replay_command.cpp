// baton replay DIR [--stream S] [--until SEQ | --until-time T] [--plan FILE]
//
// Re-drives the engine logic of every actor from the run's recorded inputs
// — the orchestrator's decisions and each worker's session (states,
// protocol lines, what it typed) — without starting any agent or executing
// anything, and compares each derived event with the recorded one, byte for
// byte. Exit 0 when identical; 1 at the first divergence, which is printed
// (stream, sequence, what the replay derived, what the run recorded); 2
// when DIR holds no run or the arguments are wrong. --until is the stream's
// sequence with --stream, else the log's global position; --until-time a
// logical time since the run began ("90s", "1m30s", µs). --plan replays the
// orchestrator with another plan file: what would it have decided?
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "engine/inspect/logical_time.hpp"
#include "replay/run_replay.hpp"
#include "storage/event_log.hpp"

namespace baton::cli {

namespace {

struct replay_args {
  std::string dir;
  std::string stream;
  uint64_t until = UINT64_MAX;
  std::string until_time;
  std::string plan;
};

int run_replay(const replay_args& args) {
  replay::run_replay_options ropts;
  ropts.stream = args.stream;
  if (args.stream.empty())
    ropts.until_position = args.until;
  else
    ropts.until = args.until;
  if (!args.until_time.empty()) {
    auto t = engine::parse_logical_time(args.until_time);
    if (!t) {
      std::cerr << "baton replay: --until-time " << args.until_time
                << " is not a logical time (e.g. 90s, 1m30s, 250ms, or µs)\n";
      return 2;
    }
    ropts.until_time = *t;
  }
  if (!args.plan.empty()) {
    std::ifstream in{args.plan, std::ios::binary};
    if (!in) {
      std::cerr << "baton replay: cannot read " << args.plan << '\n';
      return 2;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    ropts.plan_text = ss.str();
  }
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(args.dir, opts);
  if (!log) {
    std::cerr << "baton replay: " << log.err().to_string() << '\n';
    return 2;
  }
  auto reports = replay::replay_run(**log, ropts);
  if (!reports) {
    std::cerr << "baton replay: " << args.dir << ": "
              << reports.err().message() << '\n';
    auto c = reports.err().code();
    return c == ec::not_found || c == ec::invalid_argument ? 2 : 1;
  }
  for (auto& [stream, r] : *reports) {
    std::cout << stream << ": replayed " << r.inputs << " inputs and "
              << r.decisions << " derived events";
    if (!r.first_divergence) {
      std::cout << ": identical\n";
      continue;
    }
    auto& d = *r.first_divergence;
    std::cout << "\ndivergence at " << d.stream << "@" << d.sequence
              << "\n  replay derived:   " << d.expected
              << "\n  the run recorded: " << d.found << '\n';
    return 1;
  }
  std::cout << "identical: " << reports->size() << " stream"
            << (reports->size() == 1 ? "" : "s") << " replayed\n";
  return 0;
}

} // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<replay_args>();
  auto* cmd = app.add_subcommand(
    "replay", "Re-drive a run's engine logic from its log and compare");
  cmd->add_option("dir", args->dir, "The run's log directory")->required();
  cmd->add_option("--stream", args->stream,
                  "Only this stream (orchestrator, lead/TEAM or worker/NAME)");
  auto* until = cmd->add_option(
    "--until", args->until,
    "Stop at this sequence of --stream, or this global position");
  cmd->add_option("--until-time", args->until_time,
                  "Stop at this logical time since the run began (90s, "
                  "1m30s, 250ms, or µs)")
    ->excludes(until);
  cmd->add_option("--plan", args->plan,
                  "Replay with this plan file instead of the recorded one");
  cmd->callback([args, &exit_code] { exit_code = run_replay(*args); });
}

} // namespace baton::cli
