// baton log DIR [--stream S] [--from N] [--json] [--follow]
#include <atomic>
#include <csignal>
#include <iostream>

#include "cli/commands.hpp"
#include "api/event_format.hpp"
#include "storage/event_log.hpp"

namespace baton::cli {

namespace {

struct log_args {
  std::string dir;
  std::string stream;
  uint64_t from = 1;
  bool json = false;
  bool follow = false;
};

std::atomic<bool> interrupted{false};

void on_interrupt(int) {
  interrupted.store(true);
}

bool print(const log_args& args, storage::recorded_event&& ev) {
  std::cout << (args.json ? api::format_json(ev) : api::format_text(ev)) << '\n';
  return static_cast<bool>(std::cout);
}

/// Prints events after `next - 1`; returns the next position or sequence.
result<uint64_t> print_from(const storage::event_log& log,
                            const log_args& args, uint64_t next) {
  auto visit = [&](storage::recorded_event&& ev) {
    return print(args, std::move(ev));
  };
  auto n = args.stream.empty()
             ? log.read_all(next, UINT64_MAX, visit)
             : log.read(args.stream, next, UINT64_MAX, UINT64_MAX, visit);
  if (!n)
    return n.err();
  std::cout.flush();
  return next + *n;
}

int run_log(const log_args& args) {
  storage::options opts;
  opts.read_only = true;
  auto log = storage::event_log::open(args.dir, opts);
  if (!log) {
    std::cerr << "baton log: " << log.err().to_string() << '\n';
    return 1;
  }
  auto next = print_from(**log, args, args.from);
  if (!next) {
    std::cerr << "baton log: " << next.err().to_string() << '\n';
    return 1;
  }
  if (!args.follow)
    return 0;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  uint64_t seen = (*log)->last_position();
  while (!interrupted.load()) {
    auto now = (*log)->wait_beyond(seen, std::chrono::milliseconds{200});
    if (now == seen)
      continue;
    seen = now;
    next = print_from(**log, args, *next);
    if (!next) {
      std::cerr << "baton log: " << next.err().to_string() << '\n';
      return 1;
    }
  }
  return 0;
}

} // namespace

void add_log_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<log_args>();
  auto* cmd = app.add_subcommand("log", "Print the events of a run's log");
  cmd->add_option("DIR", args->dir, "The run's log directory")->required();
  cmd->add_option("--stream,-s", args->stream,
                  "Only this stream (e.g. worker/a), by sequence");
  cmd->add_option("--from", args->from,
                  "First global position (or sequence with --stream)")
    ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json,
                "One JSON object per event (Cap'n Proto's JSON codec)");
  cmd->add_flag("--follow,-f", args->follow,
                "Keep printing events as they are appended, until Ctrl-C");
  cmd->callback([args, &exit_code] { exit_code = run_log(*args); });
}

} // namespace baton::cli
