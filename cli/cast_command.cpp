// baton cast DIR AGENT [--from T] [--to T]
//
// An agent's terminal as an asciinema v2 recording, from its worker stream:
// what it wrote ("o"), what Baton typed into it ("i"), a "restart" marker
// ("m") where its process was started again. Times are seconds from the
// first event printed; --from and --to bound the window in the run's logical
// time (1.5s, 250ms, 2m, 1m2s, or µs as a plain number; 0 is the run's
// start). Play it with `asciinema play`, or re-run detection over it with
// `baton detect`.
//
// Exit status: 0 done; 1 the log could not be read; 2 bad usage (DIR holds
// no log, no such agent, a malformed time).
#include <iostream>

#include "cli/commands.hpp"
#include "engine/inspect/cast_export.hpp"
#include "engine/inspect/logical_time.hpp"
#include "storage/event_log.hpp"

namespace baton::cli {

namespace {

struct cast_args {
  std::string dir;
  std::string agent;
  std::string from;
  std::string to;
};

/// Parses an optional bound; false (with a message) when malformed.
bool bound(const std::string& text, const char* option, uint64_t& out) {
  if (text.empty())
    return true;
  auto t = engine::parse_logical_time(text);
  if (!t) {
    std::cerr << "baton cast: " << option << " \"" << text
              << "\" is not a logical time (e.g. 1.5s, 250ms, 2m, 1m2s, or "
                 "µs as a number)\n";
    return false;
  }
  out = *t;
  return true;
}

/// "worker/a, worker/b" — the agents the log has, for the error message.
std::string workers(const storage::event_log& log) {
  std::string out;
  for (auto& s : log.streams())
    if (s.name.starts_with("worker/"))
      out += (out.empty() ? "" : ", ") + s.name;
  return out.empty() ? "none" : out;
}

int run_cast(const cast_args& args) {
  engine::cast_export_options o;
  o.title = "baton: " + args.agent;
  if (!bound(args.from, "--from", o.from_us)
      || !bound(args.to, "--to", o.to_us))
    return 2;
  if (o.from_us > o.to_us) {
    std::cerr << "baton cast: --from " << args.from << " is after --to "
              << args.to << '\n';
    return 2;
  }
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(args.dir, opts);
  if (!log) {
    std::cerr << "baton cast: " << log.err().to_string() << '\n';
    return 2;
  }
  auto stream = "worker/" + args.agent;
  if ((*log)->highest(stream) == 0) {
    std::cerr << "baton cast: " << args.dir << " has no stream " << stream
              << " (worker streams: " << workers(**log) << ")\n";
    return 2;
  }
  engine::cast_export out{o};
  auto n = (*log)->read(stream, 1, UINT64_MAX, UINT64_MAX,
                        [&](storage::recorded_event&& e) {
                          std::cout << out.apply(e.logical_time(), e.event());
                          return true;
                        });
  std::cout << out.finish() << std::flush;
  if (!n) {
    std::cerr << "baton cast: " << n.err().to_string() << '\n';
    return 1;
  }
  return 0;
}

} // namespace

void add_cast_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<cast_args>();
  auto* cmd = app.add_subcommand(
    "cast", "An agent's terminal as an asciinema v2 recording (.cast)");
  cmd->add_option("dir", args->dir, "The run's log directory")->required();
  cmd->add_option("agent", args->agent, "The agent's name")->required();
  cmd->add_option("--from", args->from,
                  "Start at this logical time (1.5s, 250ms, 2m, or µs)");
  cmd->add_option("--to", args->to, "End at this logical time");
  cmd->callback([args, &exit_code] { exit_code = run_cast(*args); });
}

} // namespace baton::cli
