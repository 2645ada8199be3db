// agent_config: an agent's `tools` and MCP servers as its CLI's own
// configuration — the files to write in its working directory and the
// arguments to add to its command line. Pure: the caller (cli/agent_setup)
// writes the files and starts the program.
//
// Per CLI (tool names: tool_vocabulary.hpp):
//
// Claude Code — with `tools`: `--tools=<its names>` (the built-in tools it
//   has; the others do not exist for it). With `tools` or `mcp`: `.mcp.json`
//   holding the agent's servers, and `--strict-mcp-config
//   --mcp-config=<dir>/.mcp.json` (no other MCP server: not the user's, not
//   a project's; no "new MCP server" dialog).
// Gemini CLI — `.gemini/settings.json` (workspace settings): with `tools`,
//   `tools.core` (its built-in tools); with `tools` or `mcp`, `mcpServers`
//   and `mcp.allowed` naming exactly the agent's servers (a name no server
//   has when it has none: an empty list would allow all).
// Codex — with `mcp`: `.codex/config.toml` (project config; Codex reads it
//   for a trusted project) with `[mcp_servers.<name>]`. With `tools`: `-a
//   on-request` (its approvals reach Baton's policy), `-s workspace-write`
//   with write or edit, else `-s read-only`; `--disable shell_tool` without
//   shell; `-c web_search="disabled"` without web. Flags the plan's own
//   arguments already set (-a, -s, --dangerously-bypass-approvals-and-
//   sandbox, --full-auto) are left to them.
// Other programs — with `mcp`: `.mcp.json` (the common project format).
//   `tools` only informs the approval policy.
//
// An agent with neither `tools` nor `mcp` gets nothing: its CLI's defaults.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/agent/tool_vocabulary.hpp"
#include "engine/plan/plan.hpp"

namespace baton::engine::agent {

/// A file to write in the agent's working directory before it starts.
struct agent_file {
  /// Relative to the agent's working directory ("/"-separated).
  std::string path;
  std::string content;
  /// Holds environment values (MCP servers' env): owner-only.
  bool secret = false;

  friend bool operator==(const agent_file&, const agent_file&) = default;
};

/// What an agent's CLI is given besides the plan's own arguments.
struct agent_config {
  cli_kind cli = cli_kind::other;
  /// Appended to the agent's argv (after the plan's arguments).
  std::vector<std::string> args;
  std::vector<agent_file> files;
};

/// The configuration of agent `a` of plan `p`. `dir`: its working
/// directory, absolute (named in arguments). "${plan_dir}" in the MCP
/// servers' command, args and env values becomes `plan_dir`. Tools unknown
/// to its CLI and MCP servers the plan does not define are left out
/// (check_agent_tools reports them before a run starts).
agent_config configure_agent(const plan& p, const plan_agent& a,
                             std::string_view dir, std::string_view plan_dir);

/// Plan problems, one line each ("<source>:<line>:<column>: <what>"): tools
/// unknown to an agent's CLI, MCP servers no [mcp.servers.<name>] defines,
/// server names Gemini CLI cannot take (with "_"), a tool written as a
/// permission pattern ("Bash(git *)": those belong in [[approvals.rule]]).
std::vector<std::string> check_agent_tools(const plan& p);

/// `s` as a JSON (and TOML basic) string literal, quotes included.
std::string quoted(std::string_view s);

} // namespace baton::engine::agent
