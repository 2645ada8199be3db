// The simulated agent's command line: its options (CLI11), its help, and
// running it on the terminal it was started in. Both doors to it use this:
// `baton sim` (a thin subcommand of the baton executable, what plans' "sim"
// preset runs) and the `baton-sim` program of its own (sim/main.cpp).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "sim/options.hpp"

namespace baton::sim {

struct command_line {
  sim_options opts;
  double stall_seconds = 60;
  std::string bytes;
  std::string once;
};

/// Adds the simulated agent's options, bound to `args`, and its help
/// (scenarios, roles, the script format) as `cmd`'s footer. `args` must
/// outlive the parse.
void add_options(CLI::App& cmd, command_line& args);

/// Runs the simulated agent with `args` on this process's terminal (or
/// stdin and stdout): its exit code, or 2 with a message on stderr for a
/// bad option or an unreadable script. A crash scenario ends the process.
int run(command_line& args);

} // namespace baton::sim
