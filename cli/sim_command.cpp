// baton sim: the built-in simulated coding agent (sim/), a stand-in for an
// agent CLI (Claude Code, Codex, ...) that looks and behaves like a real
// TUI, so demos and tests run with no model and no API key.
#include <memory>

#include "cli/commands.hpp"
#include "sim/command_line.hpp"

namespace baton::cli {

void add_sim_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<sim::command_line>();
  auto* cmd = app.add_subcommand(
    "sim", "A simulated coding agent in the terminal, for demos and tests");
  sim::add_options(*cmd, *args);
  cmd->callback([args, &exit_code] { exit_code = sim::run(*args); });
}

} // namespace baton::cli
