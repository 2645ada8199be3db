// tool_vocabulary: what the names in an agent's `tools` list mean, per CLI.
//
// A plan names tools in Baton's words — shell, read, write, edit, web,
// web_fetch, web_search — or in a CLI's own (Claude Code's "Bash", Gemini
// CLI's "run_shell_command", Codex's "apply_patch"). Each name resolves to
// capabilities, and each CLI has its own names for a capability:
//
//   Baton name   | Claude Code      | Gemini CLI                           | Codex
//   shell        | Bash             | run_shell_command                    | shell tool (exec_command)
//   read         | Read, Glob, Grep | read_file, read_many_files,          | (always: every sandbox reads)
//                |                  | list_directory, glob, grep_search    |
//   write        | Write            | write_file                           | apply_patch, sandbox workspace-write
//   edit         | Edit             | replace                              | apply_patch, sandbox workspace-write
//   web          | WebFetch,        | web_fetch, google_web_search         | web_search
//                | WebSearch        |                                      |
//   web_fetch    | WebFetch         | web_fetch                            | web_search
//   web_search   | WebSearch        | google_web_search                    | web_search
//
// Any CLI's name for a capability is understood for every CLI ("Bash" for a
// Gemini agent is run_shell_command). A CLI's own tool with no Baton meaning
// (Claude Code's "NotebookEdit", Gemini CLI's "write_todos") is passed to
// that CLI as it is and is unknown for the others. Names are matched without
// regard to case. Checked against Claude Code 2.1.197, Codex 0.169.0 and
// Gemini CLI 0.61.0 (tests/agents/package.json). Pure.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/plan/plan.hpp"

namespace baton::engine::agent {

/// The CLIs whose configuration Baton writes; `other` is any program (the
/// simulated agent, aider, a `command`).
enum class cli_kind : uint8_t { other, claude, codex, gemini };

/// "claude", "codex", "gemini" or "other".
std::string_view to_string(cli_kind k);

/// The CLI an agent runs: its preset; else its pack's name; else its
/// program's file name (`command = ["/opt/bin/claude"]`).
cli_kind cli_of(const plan_agent& a);

/// What a tool lets an agent do.
enum class capability : uint8_t {
  shell,
  read,
  write,
  edit,
  web_fetch,
  web_search,
};

/// An agent's tools list, resolved for its CLI.
struct resolved_tools {
  std::set<capability> capabilities;
  /// The CLI's own tools with no Baton meaning, spelt as the CLI spells
  /// them, in the list's order.
  std::vector<std::string> native;
  /// Names known to no vocabulary, as written: a plan error for claude,
  /// codex and gemini agents; for other programs they only inform the
  /// approval policy.
  std::vector<std::string> unknown;
};

/// Resolves `names` for `cli`.
resolved_tools resolve_tools(cli_kind cli, const std::vector<std::string>& names);

/// The CLI's own tool names for `c` (empty for codex: its tools are
/// switches, see agent_config.hpp).
std::vector<std::string> native_names(cli_kind cli, capability c);

/// The names a plan may use for `cli`, for messages: Baton's, then the
/// CLI's own.
std::string known_names(cli_kind cli);

} // namespace baton::engine::agent
