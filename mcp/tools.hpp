// The MCP server's tools (mcp/server.hpp): each with its input and output
// schema, each a call on the public API of one run.
//
//   list_agents, agent_status, agent_screen    the team, read
//   send_input, delivery_status                 typing, acknowledged
//   list_tasks, task_status, add_task,          the board
//   cancel_task, rerun_task
//   list_approvals, decide_approval             the approval inbox
//   wait_for, tail_events                       following the run
//   stop_run
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace baton::mcp {

/// Arguments that do not match a tool's input schema, or a tool that does
/// not exist: JSON-RPC invalid params.
struct bad_params : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct tool_context {
  const std::string& log_dir;
  /// Recorded as the command's author.
  const std::string& by;
  std::chrono::seconds max_wait;
  /// send_input's idempotency keys -> delivery ids.
  std::map<std::string, std::string>& sent;
  /// True once the client cancelled the call (waits end early).
  std::function<bool()> cancelled = [] { return false; };
};

/// The call was cancelled by the client: no result is sent.
struct cancelled_call {};

/// A tool's result: `value` (its structured content), or `error` (what the
/// run refused, for a result with isError).
struct tool_outcome {
  nlohmann::json value;
  std::string error;
};

/// Every tool's description for tools/list; outputSchema only from
/// revision 2025-06-18 on.
nlohmann::json tool_list(const std::string& version);

/// Calls tool `name`. Throws bad_params for an unknown tool or arguments
/// its schema refuses.
tool_outcome run_tool(const std::string& name, const nlohmann::json& args,
                      tool_context& ctx);

/// What initialize tells the client about this server and run.
std::string instructions(const std::string& log_dir);

/// The problem with `value` against the JSON schema `schema` (the subset
/// the tools use: object, string, integer, boolean, array of a type,
/// anyOf, required, enum, minimum, maximum, additionalProperties false),
/// named by
/// its path ("arguments.after[1]"); "" when it matches.
std::string schema_problem(const nlohmann::json& schema,
                           const nlohmann::json& value,
                           const std::string& path);

} // namespace baton::mcp
