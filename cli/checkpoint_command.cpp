// baton checkpoint DIR AGENT [--at SEQ] [--snapshot]
//
// The re-orientation summary of a worker — its task, what it completed, its
// next step, its build status, open NEEDs, contracts received — folded from
// that worker's stream only (engine/checkpoint), as of the end of the log or
// of sequence SEQ of its stream. It starts from the latest snapshot of the
// fold at or below that point (replay/checkpoint_rebuild), so its cost does
// not grow with the log.
//
// --snapshot also saves a snapshot of the fold at the end of the stream, so
// later rebuilds read only what follows it. That needs the log writable: a
// log a running baton holds is refused (ec::locked); the summary is printed
// anyway and the command says no snapshot was saved (exit 1).
#include <iostream>

#include "cli/commands.hpp"
#include "replay/checkpoint_rebuild.hpp"
#include "storage/event_log.hpp"

namespace baton::cli {

namespace {

struct checkpoint_args {
  std::string dir;
  std::string agent;
  uint64_t at = UINT64_MAX;
  bool snapshot = false;
};

int run_checkpoint(const checkpoint_args& args) {
  storage::options opts;
  opts.create_if_missing = false;
  opts.read_only = !args.snapshot;
  auto log = storage::event_log::open(args.dir, opts);
  std::string no_snapshot;
  if (!log && args.snapshot && log.err().code() == ec::locked) {
    // A running baton writes the log: print from a read-only view.
    no_snapshot = log.err().to_string();
    opts.read_only = true;
    log = storage::event_log::open(args.dir, opts);
  }
  if (!log) {
    std::cerr << "baton checkpoint: " << log.err().to_string() << '\n';
    return 2;
  }
  auto rebuilt = replay::rebuild_checkpoint(**log, args.agent, args.at);
  if (!rebuilt) {
    std::cerr << "baton checkpoint: " << rebuilt.err().to_string() << '\n';
    return rebuilt.err().code() == ec::not_found ? 2 : 1;
  }
  std::cout << rebuilt->fold.render(args.agent);
  if (!args.snapshot)
    return 0;
  auto stream = replay::worker_stream(args.agent);
  if (no_snapshot.empty()) {
    auto saved = replay::save_checkpoint_snapshot(**log, args.agent);
    if (saved) {
      std::cerr << "baton checkpoint: saved a snapshot of " << stream
                << " at sequence " << *saved << '\n';
      return 0;
    }
    no_snapshot = saved.err().to_string();
  }
  std::cerr << "baton checkpoint: no snapshot saved (" << no_snapshot << ")\n";
  return 1;
}

} // namespace

void add_checkpoint_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<checkpoint_args>();
  auto* cmd = app.add_subcommand(
    "checkpoint", "A worker's re-orientation summary, from its own stream");
  cmd->add_option("dir", args->dir, "The run's log directory")->required();
  cmd->add_option("agent", args->agent, "The agent's name")->required();
  auto* at
    = cmd->add_option("--at", args->at, "As of this sequence of its stream");
  cmd
    ->add_flag("--snapshot", args->snapshot,
               "Also save a snapshot of the summary at the end of the stream, "
               "so later rebuilds read only what follows it (needs the log "
               "writable: not while a run writes it)")
    ->excludes(at);
  cmd->callback([args, &exit_code] { exit_code = run_checkpoint(*args); });
}

} // namespace baton::cli
