// baton checkpoint DIR AGENT [--at SEQ]
//
// The re-orientation summary of a worker — its task, what it completed, its
// next step, its build status, open NEEDs, contracts received — folded from
// that worker's stream only (engine/checkpoint), as of the end of the log or
// of sequence SEQ of its stream.
#include <iostream>

#include "cli/commands.hpp"
#include "engine/checkpoint/checkpoint.hpp"
#include "storage/event_log.hpp"

namespace baton::cli {

namespace {

struct checkpoint_args {
  std::string dir;
  std::string agent;
  uint64_t at = UINT64_MAX;
};

int run_checkpoint(const checkpoint_args& args) {
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(args.dir, opts);
  if (!log) {
    std::cerr << "baton checkpoint: " << log.err().to_string() << '\n';
    return 2;
  }
  auto stream = "worker/" + args.agent;
  if ((*log)->highest(stream) == 0) {
    std::cerr << "baton checkpoint: " << args.dir << " has no stream " << stream
              << '\n';
    return 2;
  }
  engine::checkpoint_fold fold;
  auto n = (*log)->read(stream, 1, args.at, UINT64_MAX,
                        [&](storage::recorded_event&& e) {
                          fold.apply(e.sequence(), e.event());
                          return true;
                        });
  if (!n) {
    std::cerr << "baton checkpoint: " << n.err().to_string() << '\n';
    return 1;
  }
  std::cout << fold.render(args.agent);
  return 0;
}

} // namespace

void add_checkpoint_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<checkpoint_args>();
  auto* cmd = app.add_subcommand(
    "checkpoint", "A worker's re-orientation summary, from its own stream");
  cmd->add_option("dir", args->dir, "The run's log directory")->required();
  cmd->add_option("agent", args->agent, "The agent's name")->required();
  cmd->add_option("--at", args->at, "As of this sequence of its stream");
  cmd->callback([args, &exit_code] { exit_code = run_checkpoint(*args); });
}

} // namespace baton::cli
