// baton replay DIR [--until SEQ] [--plan FILE]
//
// Re-drives the orchestrator's logic from the run's recorded inputs (no
// agent is started, nothing is executed) and compares each decision with
// the recorded one, byte for byte. Exit 0 when identical; 1 at the first
// divergence, which is printed (stream, sequence, what the replay decided,
// what the run recorded); 2 when DIR holds no run. --plan replays with
// another plan file instead of the recorded plan: what would it have
// decided?
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "replay/orchestrator_replay.hpp"
#include "storage/event_log.hpp"

namespace baton::cli {

namespace {

struct replay_args {
  std::string dir;
  uint64_t until = UINT64_MAX;
  std::string plan;
};

int run_replay(const replay_args& args) {
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(args.dir, opts);
  if (!log) {
    std::cerr << "baton replay: " << log.err().to_string() << '\n';
    return 2;
  }
  replay::replay_options ropts;
  ropts.until = args.until;
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
  auto report = replay::replay_orchestrator(**log, ropts);
  if (!report) {
    std::cerr << "baton replay: " << args.dir << ": " << report.err().message()
              << '\n';
    return report.err().code() == ec::not_found ? 2 : 1;
  }
  std::cout << "replayed " << report->inputs << " inputs and "
            << report->decisions << " decisions of the orchestrator stream";
  if (!report->first_divergence) {
    std::cout << ": identical\n";
    return 0;
  }
  auto& d = *report->first_divergence;
  std::cout << "\ndivergence at " << d.stream << "@" << d.sequence
            << "\n  replay decided:   " << d.expected
            << "\n  the run recorded: " << d.found << '\n';
  return 1;
}

} // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<replay_args>();
  auto* cmd = app.add_subcommand(
    "replay", "Re-drive a run's decisions from its log and compare them");
  cmd->add_option("dir", args->dir, "The run's log directory")->required();
  cmd->add_option("--until", args->until, "Stop at this sequence");
  cmd->add_option("--plan", args->plan,
                  "Replay with this plan file instead of the recorded one");
  cmd->callback([args, &exit_code] { exit_code = run_replay(*args); });
}

} // namespace baton::cli
