// The baton subcommands. Each `add_*` registers one subcommand on `app`; when
// the user picks it, its callback runs the command and stores the process exit
// code in `exit_code`: 0 success, 1 the job failed, 2 bad usage.
#pragma once

#include <CLI/CLI.hpp>

namespace baton::cli {

void add_log_command(CLI::App& app, int& exit_code);
void add_demo_command(CLI::App& app, int& exit_code);
void add_check_command(CLI::App& app, int& exit_code);
void add_init_command(CLI::App& app, int& exit_code);
void add_sim_command(CLI::App& app, int& exit_code);
void add_watch_command(CLI::App& app, int& exit_code);
void add_detect_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_resume_command(CLI::App& app, int& exit_code);
void add_fork_command(CLI::App& app, int& exit_code);
void add_status_command(CLI::App& app, int& exit_code);
void add_replay_command(CLI::App& app, int& exit_code);
void add_checkpoint_command(CLI::App& app, int& exit_code);
void add_why_command(CLI::App& app, int& exit_code);
void add_cast_command(CLI::App& app, int& exit_code);
void add_show_command(CLI::App& app, int& exit_code);
/// The operator's commands to a running run (through its control socket):
/// send, add-task, cancel-task, rerun-task, approve, deny, stop, attach,
/// and approvals.
void add_live_commands(CLI::App& app, int& exit_code);
/// `baton mcp DIR`: the MCP server of a run on stdio (mcp/server.hpp).
void add_mcp_command(CLI::App& app, int& exit_code);
/// `baton serve DIR`: the run over HTTP (http/server.hpp).
void add_serve_command(CLI::App& app, int& exit_code);
/// `baton host`: agents on this machine for an engine elsewhere, and
/// `baton host init-certs` (cli/host_command.cpp).
void add_host_command(CLI::App& app, int& exit_code);

} // namespace baton::cli
