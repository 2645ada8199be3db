// agent_setup: each agent of a plan made ready to start — its working
// directory created, its CLI's own configuration for its tools and MCP
// servers written there (engine/agent/agent_config.hpp), its program,
// arguments, environment and detector pack resolved, and its terminal made.
#pragma once

#include <filesystem>
#include <vector>

#include "actors/pty/reactor.hpp"
#include "actors/team.hpp"
#include "engine/plan/plan.hpp"
#include "engine/result.hpp"

namespace baton::api {

/// The agents' terminals, packs and directories, from `plan`, each under
/// `workspace` (created when missing). Files holding MCP servers' env
/// values are written owner-only (0600); an existing file of the same name
/// is replaced. Nothing here reaches the log: the caller records the plan
/// redacted (plan_secrets.hpp), and the arguments added name files, never
/// env values.
/// Errors: ec::io_error when a directory or file cannot be written, and a
/// pack's error when an agent's detector pack cannot be loaded, each
/// naming the agent. The plan's orchestrator agent gets Baton's own MCP
/// server, `baton mcp <log_dir>` (named "baton"), besides its own, and —
/// for Claude Code — its tools allowed (they are the engine's API, and the
/// engine checks every change they ask for).
result<std::vector<actors::team_agent>>
/// An agent with a host gets its directory only (and `host` set): its
/// host makes it ready there (setup_agent).
setup_agents(const engine::plan& plan, const std::filesystem::path& workspace,
             const std::filesystem::path& log_dir,
             actors::pty::reactor& reactor);

/// One agent of `plan`, made ready as setup_agents does, on the machine
/// that runs it (`baton host`): `plan_dir` is the plan file's directory on
/// the engine's machine ("${plan_dir}"). Errors: ec::not_found for an
/// agent the plan does not have, and setup_agents' own.
result<actors::team_agent>
setup_agent(const engine::plan& plan, const std::string& agent,
            const std::filesystem::path& workspace,
            const std::filesystem::path& log_dir, const std::string& plan_dir,
            actors::pty::reactor& reactor);

} // namespace baton::api
