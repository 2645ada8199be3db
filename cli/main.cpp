// baton: the composition root. Parses the command line and hands over to a
// subcommand; owns nothing else yet.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"baton: runs teams of AI coding agents in terminals and records "
               "everything they do in a replayable event log"};
  app.require_subcommand(1);
  int exit_code = 0;
  baton::cli::add_log_command(app, exit_code);
  baton::cli::add_demo_command(app, exit_code);
  baton::cli::add_check_command(app, exit_code);
  baton::cli::add_init_command(app, exit_code);
  baton::cli::add_sim_command(app, exit_code);
  baton::cli::add_watch_command(app, exit_code);
  baton::cli::add_detect_command(app, exit_code);
  baton::cli::add_run_command(app, exit_code);
  baton::cli::add_resume_command(app, exit_code);
  baton::cli::add_fork_command(app, exit_code);
  baton::cli::add_status_command(app, exit_code);
  baton::cli::add_replay_command(app, exit_code);
  baton::cli::add_checkpoint_command(app, exit_code);
  baton::cli::add_why_command(app, exit_code);
  baton::cli::add_cast_command(app, exit_code);
  baton::cli::add_show_command(app, exit_code);
  baton::cli::add_live_commands(app, exit_code);
  baton::cli::add_mcp_command(app, exit_code);
  baton::cli::add_serve_command(app, exit_code);
  baton::cli::add_host_command(app, exit_code);
  // An unknown subcommand is a usage error, even with --help after it
  // (CLI11 would print the general help and succeed).
  bool known = argc <= 1 || argv[1][0] == '-';
  for (auto* sub : app.get_subcommands({}))
    known = known || sub->get_name() == argv[1];
  if (!known) {
    std::cerr << "baton: unknown command \"" << argv[1]
              << "\" (see baton --help)\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    static_cast<void>(app.exit(e));
    return 2;
  }
  return exit_code;
}
